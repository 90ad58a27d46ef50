// The default torch device is a process-wide static that meta construction sets and restores, and the process tests
// share the examples' build output: the tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The examples and their tests run on Linux (libtorch for Linux, Open MPI, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
