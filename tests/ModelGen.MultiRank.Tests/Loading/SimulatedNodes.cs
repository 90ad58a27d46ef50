using System.Globalization;
using ModelGen.MultiRank.Tests.Launching;

namespace ModelGen.MultiRank.Tests.Loading;

/// <summary>4 ranks of one machine run as 2 nodes x 2 ranks (ranks 0, 1 on node 0; ranks 2, 3 on node 1).</summary>
internal static class SimulatedNodes
{
    public const int Ranks = 4;

    public static readonly IReadOnlyDictionary<string, string> TwoByTwo =
        new Dictionary<string, string> { ["MODELGEN_NODE_OF_RANK"] = "0,0,1,1" };

    public static readonly int[] NodeOfRank = [0, 0, 1, 1];

    public static readonly int[] LeaderOfRank = [0, 0, 2, 2];

    public static Task<WorkerRun> RunAsync(params string[] arguments) =>
        WorkerLauncher.MpiRunAsync(arguments, Ranks, environment: TwoByTwo);

    public static long Long(WorkerEvent e, string field) => long.Parse(e[field], CultureInfo.InvariantCulture);

    /// <summary>Every rank says which node it is on and who leads it.</summary>
    public static void AssertNodeFields(IReadOnlyList<WorkerEvent> loaded)
    {
        Assert.Equal(Enumerable.Range(0, Ranks), loaded.Select(e => e.Rank).Order());
        Assert.All(loaded, e =>
        {
            Assert.Equal(NodeOfRank[e.Rank], (int)Long(e, "node"));
            Assert.Equal(LeaderOfRank[e.Rank], (int)Long(e, "leader"));
            Assert.Equal(2, (int)Long(e, "nodes"));
        });
    }
}
