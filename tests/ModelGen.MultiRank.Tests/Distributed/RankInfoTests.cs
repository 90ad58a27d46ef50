using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Distributed;

public class RankInfoTests
{
    private static RankInfo Read(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return RankInfo.FromVariables(map.GetValueOrDefault);
    }

    [Fact]
    public void WithoutLauncherVariablesTheProcessIsAlone() =>
        Assert.Equal(RankInfo.SingleProcess, Read());

    [Fact]
    public void OpenMpiVariablesWinOverTorchrunVariables()
    {
        RankInfo info = Read(
            ("OMPI_COMM_WORLD_RANK", "5"), ("OMPI_COMM_WORLD_SIZE", "8"),
            ("OMPI_COMM_WORLD_LOCAL_RANK", "1"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "4"),
            ("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "0"), ("LOCAL_WORLD_SIZE", "2"));

        Assert.Equal(new RankInfo(5, 8, 1, 4, RankSource.OpenMpi), info);
    }

    [Fact]
    public void TorchrunVariablesAreReadWhenOpenMpiIsAbsent()
    {
        RankInfo info = Read(("RANK", "3"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("LOCAL_WORLD_SIZE", "2"));

        Assert.Equal(new RankInfo(3, 4, 1, 2, RankSource.Torchrun), info);
        Assert.Equal("rank 3 of 4 (local 1 of 2, Torchrun)", info.ToString());
    }

    [Fact]
    public void MissingLocalValuesAreTakenAsOneMachine() =>
        Assert.Equal(new RankInfo(2, 3, 2, 3, RankSource.Torchrun), Read(("RANK", "2"), ("WORLD_SIZE", "3")));

    [Theory]
    [InlineData("RANK", "two", "WORLD_SIZE", "4", "not a non-negative whole number")]
    [InlineData("RANK", "-1", "WORLD_SIZE", "4", "not a non-negative whole number")]
    [InlineData("RANK", "4", "WORLD_SIZE", "4", "is not below WORLD_SIZE=4")]
    [InlineData("RANK", "0", "WORLD_SIZE", "0", "at least one process")]
    [InlineData("LOCAL_RANK", "0", "WORLD_SIZE", "4", "RANK is not")]
    public void InconsistentOrMalformedValuesAreReportedByName(string name1, string value1, string name2, string value2, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((name1, value1), (name2, value2)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void LocalValuesMustFitTheJob()
    {
        Assert.Throws<InvalidOperationException>(() => Read(("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_WORLD_SIZE", "3")));
        Assert.Throws<InvalidOperationException>(() => Read(("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "2"), ("LOCAL_WORLD_SIZE", "2")));
        Assert.Throws<InvalidOperationException>(() => Read(("OMPI_COMM_WORLD_SIZE", "2")));
    }

    [Fact]
    public void TheLocalRankPicksTheAcceleratorIndex()
    {
        var info = new RankInfo(5, 8, 1, 4, RankSource.OpenMpi);

        Assert.Equal(DeviceType.CPU, info.DeviceFor(DeviceType.CPU).type);
        torch.Device cuda = info.DeviceFor(DeviceType.CUDA);
        Assert.Equal((DeviceType.CUDA, 1), (cuda.type, cuda.index));
    }
}
