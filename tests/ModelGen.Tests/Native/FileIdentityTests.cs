using ModelGen.Native;

namespace ModelGen.Tests.Native;

/// <summary>Two identities are equal only when every fact agrees: a file that changed in any one of them is another file.</summary>
public sealed class FileIdentityTests
{
    private static readonly FileIdentity Original = new(FileKind.Regular, Device: 7, Inode: 11, Size: 4096, ModifiedSeconds: 1_700_000_000, ModifiedNanoseconds: 5);

    private static FileIdentity Changed(string fact) => fact switch
    {
        "kind" => Original with { Kind = FileKind.Directory },
        "device" => Original with { Device = 8 },
        "inode" => Original with { Inode = 12 },
        "size" => Original with { Size = 4097 },
        "seconds" => Original with { ModifiedSeconds = 1_700_000_001 },
        "nanoseconds" => Original with { ModifiedNanoseconds = 6 },
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact, "not a fact of a file identity"),
    };

    [Theory]
    [InlineData("kind")]
    [InlineData("device")]
    [InlineData("inode")]
    [InlineData("size")]
    [InlineData("seconds")]
    [InlineData("nanoseconds")]
    public void AnIdentityDifferingInOneFactIsNotEqual(string fact)
    {
        FileIdentity changed = Changed(fact);
        Assert.False(changed == Original, fact);
        Assert.True(changed != Original, fact);
        Assert.False(changed.Equals(Original), fact);
    }

    [Fact]
    public void IdenticalFactsAreEqualWithTheSameHash()
    {
        FileIdentity copy = Original with { };

        Assert.True(copy == Original);
        Assert.True(copy.Equals((object)Original));
        Assert.Equal(Original.GetHashCode(), copy.GetHashCode());
    }

    [Fact]
    public void TheSameFileReadTwiceHasOneIdentity()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.True(FileStatus.OfPath(path) is { } first && FileStatus.OfPath(path) is { } second && first == second);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
