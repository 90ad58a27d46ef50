// Every test here packs or builds projects of the repository (runtime/ModelGen, tools/ModelGen.Cli) into the same
// bin and obj folders: two at once would write the same files.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
