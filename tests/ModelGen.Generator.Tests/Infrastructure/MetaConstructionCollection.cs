namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>
/// Tests that build models on the meta device. TorchSharp's default device is process-wide, so meta construction
/// in one test would put the tensors another test creates at the same time (or the loader maps) on the meta device.
/// The collection runs alone, after the tests that run in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaConstructionCollection
{
    public const string Name = "Meta construction";
}
