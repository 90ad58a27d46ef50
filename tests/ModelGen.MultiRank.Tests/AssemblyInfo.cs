// The multi-rank tests start 3-process jobs on small machines: one job at a time keeps their timing meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
