using System.Runtime.CompilerServices;

// The multi-rank tests and the worker they launch reach the chunk-size and library-name overrides, which make a
// chunked multi-gigabyte broadcast and a missing MPI library cheap to exercise.
[assembly: InternalsVisibleTo("ModelGen.MultiRank.Tests")]
[assembly: InternalsVisibleTo("ModelGen.MultiRank.Worker")]
