namespace ModelGen.MultiRank.Tests.Launching;

public class WorkerEventTests
{
    [Fact]
    public void FieldsAreReadAfterTerminalNoiseAndAMessageKeepsItsSpaces()
    {
        WorkerEvent e = WorkerEvent.TryParse("\u001b[?1h\u001b=rank=2 event=agree-failed failingRank=1 message=Rank 1 of 3 failed: x y")!;

        Assert.Equal((2, "agree-failed"), (e.Rank, e.Name));
        Assert.Equal("1", e["failingRank"]);
        Assert.Equal("Rank 1 of 3 failed: x y", e["message"]);
        Assert.Throws<KeyNotFoundException>(() => e["absent"]);
    }

    [Theory]
    [InlineData("--------------------------")]
    [InlineData("mpirun noticed that process rank 0 exited")]
    [InlineData("rank=x event=info")]
    public void OtherOutputIsNotAnEvent(string line) => Assert.Null(WorkerEvent.TryParse(line));
}
