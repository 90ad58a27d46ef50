using ModelGen.Distributed;

namespace ModelGen.MultiRank.Tests.Distributed;

/// <summary>The collective timeout's default, its rules, the loader's scope and the exception's message.</summary>
public class ProcessGroupTimeoutTests
{
    [Fact]
    public void AGroupStartsWithTheTenMinuteDefaultAndAcceptsPositiveOrInfiniteTimeouts()
    {
        using var group = new SingleProcessGroup();

        Assert.Equal(TimeSpan.FromMinutes(10), ProcessGroupTimeout.Default);
        Assert.Equal(ProcessGroupTimeout.Default, group.Timeout);
        group.Timeout = TimeSpan.FromSeconds(3);
        Assert.Equal(TimeSpan.FromSeconds(3), group.Timeout);
        group.Timeout = Timeout.InfiniteTimeSpan;
        Assert.Equal(Timeout.InfiniteTimeSpan, group.Timeout);
    }

    [Fact]
    public void ZeroAndNegativeTimeoutsAreRefused()
    {
        using var group = new SingleProcessGroup();

        Assert.Throws<ArgumentOutOfRangeException>(() => group.Timeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Timeout = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroupTimeout.Apply(group, TimeSpan.Zero));
        Assert.Equal(ProcessGroupTimeout.Default, group.Timeout);
    }

    [Fact]
    public void AScopeSetsTheTimeoutUntilItIsDisposedAndNullLeavesItAlone()
    {
        using var group = new SingleProcessGroup { Timeout = TimeSpan.FromMinutes(2) };

        using (ProcessGroupTimeout.Apply(group, TimeSpan.FromSeconds(5)))
            Assert.Equal(TimeSpan.FromSeconds(5), group.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), group.Timeout);

        using (ProcessGroupTimeout.Apply(group, null))
            Assert.Equal(TimeSpan.FromMinutes(2), group.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), group.Timeout);
    }

    [Fact]
    public void TheTimeoutNamesTheCollectiveTheLimitAndTheRanksThatDidNotRespond()
    {
        var own = new DistributedTimeoutException(0, 4, "Barrier", 12, TimeSpan.FromSeconds(3), abandonedBy: 0, missingRanks: [2, 3]);
        var told = new DistributedTimeoutException(1, 4, "Barrier", 12, TimeSpan.FromMinutes(10), abandonedBy: 0, missingRanks: [2]);
        var none = new DistributedTimeoutException(1, 2, "AllGather", 3, TimeSpan.FromSeconds(3), abandonedBy: 1, missingRanks: []);

        Assert.Equal("Rank 0 of 4: Barrier (collective #12) did not complete within 3 s; ranks 2, 3 did not respond " +
            "(stopped, hung, or busy outside the group's collectives). The process group cannot be used any more: end the process.", own.Message);
        Assert.StartsWith("Rank 1 of 4: Barrier (collective #12) was abandoned: rank 0 stopped waiting after its timeout; rank 2 did not respond", told.Message);
        Assert.Contains("every rank responded, so none is stopped", none.Message);
        Assert.Equal([2, 3], own.MissingRanks);
        Assert.Equal((12L, "Barrier", 0), (own.CollectiveNumber, own.Operation, own.AbandonedBy));

        DistributedTimeoutException again = own.Again("AllReduce");
        Assert.StartsWith("The process group cannot run AllReduce: an earlier collective ended it. Rank 0 of 4", again.Message);
        Assert.Same(own, again.InnerException);
        Assert.Equal(own.MissingRanks, again.MissingRanks);
    }
}
