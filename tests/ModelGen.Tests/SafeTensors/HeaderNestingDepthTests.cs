using ModelGen.SafeTensors;
using static ModelGen.Tests.SafeTensors.RawSafeTensors;

namespace ModelGen.Tests.SafeTensors;

/// <summary>
/// How deeply a header's JSON may nest: as deep as the reference implementation's parser (serde_json) accepts, whose
/// budget of 128 fails on reaching 0, so 127 levels (the header object included) pass and 128 are refused.
/// </summary>
public sealed class HeaderNestingDepthTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A header whose deepest point is <paramref name="depth"/> levels: the header object, the entry, and nested arrays in an unknown field.</summary>
    private string Write(int depth)
    {
        int arrays = depth - 2;
        string extra = new string('[', arrays) + new string(']', arrays);
        string json = "{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],\"extra\":" + extra + "}}";
        return _folder.Write($"depth-{depth}.safetensors", Build(json, 2));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(127)]
    public void NestingUpToTheReferenceLimitIsAccepted(int depth)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Write(depth));

        Assert.Equal(2, file.GetEntry("t").ByteLength);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(1000)]
    public void DeeperNestingIsTheInvalidJsonRule(int depth)
    {
        string path = Write(depth);

        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Equal(SafeTensorsRule.InvalidJson, e.Rule);
        Assert.Equal(path, e.FilePath);
        Assert.Equal("t", e.Key);
        Assert.Contains("127", e.Message);
    }
}
