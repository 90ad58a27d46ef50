using ModelGen.Distributed;

namespace ModelGen.MultiRank.Tests.Distributed;

public sealed class NodeLayoutTests
{
    private static long[]? Simulated(string? value, int ranks, int rank = 0) =>
        NodeLayout.SimulatedKeys(name => name == NodeLayout.NodeOfRankVariable ? value : null, ranks, rank);

    [Fact]
    public void NodesAreNumberedByTheirLowestRankWhichLeadsThem()
    {
        // Keys as MPI gives them (each machine's lowest rank), with the ranks spread round robin over two machines.
        NodeLayout layout = NodeLayout.FromKeys([0, 1, 0, 1, 0], simulated: false);

        Assert.Equal(2, layout.Nodes);
        Assert.Equal([0, 2, 4], layout.RanksOf(0));
        Assert.Equal([1, 3], layout.RanksOf(1));
        Assert.Equal(0, layout.LeaderOf(0));
        Assert.Equal(1, layout.LeaderOf(1));
        Assert.Equal(1, layout.NodeOf(3));
        Assert.True(layout.IsLeader(1));
        Assert.False(layout.IsLeader(2));
        Assert.Equal(3, layout.LargestNode);
    }

    [Fact]
    public void NodeIdsOnlyNeedToBeEqualWithinANode()
    {
        NodeLayout layout = NodeLayout.FromKeys([7, 7, 3, 3], simulated: true);

        Assert.Equal(0, layout.NodeOf(1));
        Assert.Equal(1, layout.NodeOf(2));
        Assert.Equal(2, layout.LeaderOf(1));
        Assert.True(layout.Simulated);
    }

    [Fact]
    public void OneNodeHoldsEveryRank()
    {
        NodeLayout layout = NodeLayout.OneNode(3);

        Assert.Equal(1, layout.Nodes);
        Assert.Equal([0, 1, 2], layout.RanksOf(0));
    }

    [Fact]
    public void TheVariableIsHonouredOnlyWhenSet()
    {
        Assert.Null(Simulated(null, 4));
        Assert.Equal([0, 0, 1, 1], Simulated("0,0,1,1", 4)!);
        Assert.Equal([0, 1, 0, 1], Simulated(" 0, 1 ,0,1 ", 4)!);
    }

    [Theory]
    [InlineData("0,0,1", "lists 3 node id(s); the job has 4 ranks")]
    [InlineData("0,0,1,1,2", "lists 5 node id(s)")]
    [InlineData("0,0,x,1", "the node id of rank 2, 'x'")]
    [InlineData("0,-1,1,1", "the node id of rank 1, '-1'")]
    [InlineData("", "lists 1 node id(s)")]
    public void AMalformedVariableIsRefusedNamingItAndTheRank(string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Simulated(value, 4, rank: 3));

        Assert.Contains(NodeLayout.NodeOfRankVariable, error.Message);
        Assert.Contains("rank 3", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
