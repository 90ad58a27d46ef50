using System.Text;
using ModelGen.SafeTensors;
using static ModelGen.Tests.SafeTensors.RawSafeTensors;

namespace ModelGen.Tests.SafeTensors;

/// <summary>One test per format rule, each on hand-made bytes that break exactly that rule.</summary>
public class SafeTensorsFormatRuleTests
{
    private static SafeTensorsFormatException Rejects(byte[] bytes, SafeTensorsRule rule, string? key)
    {
        using var folder = new TempFolder();
        string path = folder.Write("broken.safetensors", bytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Equal(rule, e.Rule);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(key, e.Key);
        Assert.Contains(path, e.Message);
        Assert.Contains(rule.ToString(), e.Message);
        if (key is not null)
            Assert.Contains($"'{key}'", e.Message);
        // The same bytes are rejected the same way through the checkpoint entry point.
        var again = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(path).Dispose());
        Assert.Equal(rule, again.Rule);
        return e;
    }

    private static byte[] Header(params string[] entries) => Build("{" + string.Join(",", entries) + "}", 0);

    [Fact]
    public void FileShorterThanTheLengthPrefix() => Rejects([1, 0, 0, 0, 0], SafeTensorsRule.FileTooSmall, null);

    [Fact]
    public void EmptyFile() => Rejects([], SafeTensorsRule.FileTooSmall, null);

    [Fact]
    public void HeaderLengthAboveTheLimit() =>
        Rejects(Build("{}", 0, declaredHeaderLength: 100_000_001), SafeTensorsRule.HeaderTooLarge, null);

    [Fact]
    public void HeaderLengthOfTwoToTheSixtyFourMinusOne() =>
        Rejects(Build("{}", 0, declaredHeaderLength: ulong.MaxValue), SafeTensorsRule.HeaderTooLarge, null);

    [Theory]
    [InlineData(3UL)]
    [InlineData(100UL)]
    [InlineData(100_000_000UL)]
    public void HeaderBeyondTheEndOfTheFile(ulong declared) =>
        Rejects(Build("{}", 0, declaredHeaderLength: declared), SafeTensorsRule.HeaderBeyondFile, null);

    [Fact]
    public void InvalidUtf8()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}  ");
        header[3] = 0xFF;
        Rejects(Build(header, 1), SafeTensorsRule.InvalidUtf8, null);
    }

    [Theory]
    [InlineData("{\"a\":", "a")]
    [InlineData("[]", null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("{} {}", null)]
    [InlineData("{}x", null)]
    [InlineData("{\"a\":1}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", "a")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":8,\"shape\":[1],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.0],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1e0],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[\"1\"],\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":1,\"data_offsets\":[0,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,1]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],}}", "a")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}} // comment", null)]
    [InlineData("{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", null)]
    public void InvalidJsonOrWrongShapeOfJson(string header, string? key)
    {
        var e = Rejects(Build(header, 1), SafeTensorsRule.InvalidJson, key);
        Assert.NotEmpty(e.Detail);
    }

    [Fact]
    public void UnknownDType() =>
        Rejects(Header(Entry("w", "F128", "1", 0, 16)), SafeTensorsRule.UnknownDType, "w");

    [Fact]
    public void DTypeNamesAreCaseSensitive() =>
        Rejects(Header(Entry("w", "f32", "1", 0, 4)), SafeTensorsRule.UnknownDType, "w");

    [Fact]
    public void DuplicateTensorKey() =>
        Rejects(Build("{" + Entry("a", "U8", "1", 0, 1) + "," + Entry("a", "U8", "1", 1, 2) + "}", 2), SafeTensorsRule.DuplicateKey, "a");

    [Fact]
    public void DuplicateKeyWithTheSameEntryTwice() =>
        Rejects(Build("{" + Entry("a", "U8", "1", 0, 1) + "," + Entry("a", "U8", "1", 0, 1) + "}", 1), SafeTensorsRule.DuplicateKey, "a");

    [Fact]
    public void DuplicateFieldInAnEntry() =>
        Rejects(Build("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), SafeTensorsRule.DuplicateKey, "a");

    [Fact]
    public void DuplicateMetadataKey()
    {
        var e = Rejects(Build("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), SafeTensorsRule.DuplicateKey, null);
        Assert.Contains("'k'", e.Message);
    }

    [Fact]
    public void DuplicateMetadataObject() =>
        Rejects(Build("{\"__metadata__\":{},\"__metadata__\":{}}", 0), SafeTensorsRule.DuplicateKey, "__metadata__");

    [Theory]
    [InlineData("{\"__metadata__\":{\"k\":1}}")]
    [InlineData("{\"__metadata__\":{\"k\":null}}")]
    [InlineData("{\"__metadata__\":{\"k\":{}}}")]
    [InlineData("{\"__metadata__\":[]}")]
    [InlineData("{\"__metadata__\":\"text\"}")]
    public void MetadataMustMapStringsToStrings(string header) =>
        Rejects(Build(header, 0), SafeTensorsRule.InvalidMetadata, null);

    [Fact]
    public void OffsetsThatEndBeforeTheyBegin() =>
        Rejects(Build("{" + Entry("a", "U8", "0", 0, 0) + "," + Entry("b", "U8", "1", 4, 0) + "}", 4), SafeTensorsRule.InvalidOffsets, "b");

    [Fact]
    public void OverlappingTensors()
    {
        var e = Rejects(Build("{" + Entry("b", "F32", "2", 4, 12) + "," + Entry("a", "F32", "2", 0, 8) + "}", 12), SafeTensorsRule.OverlappingData, "b");
        Assert.Contains("'a'", e.Detail);
    }

    [Fact]
    public void TwoTensorsOnTheSameBytes() =>
        Rejects(Build("{" + Entry("a", "F32", "2", 0, 8) + "," + Entry("b", "F32", "2", 0, 8) + "}", 8), SafeTensorsRule.OverlappingData, "b");

    [Fact]
    public void HoleBetweenTensors() =>
        Rejects(Build("{" + Entry("a", "F32", "1", 0, 4) + "," + Entry("b", "F32", "1", 8, 12) + "}", 12), SafeTensorsRule.DataHole, "b");

    [Fact]
    public void HoleAtTheStartOfTheBuffer() =>
        Rejects(Build("{" + Entry("a", "F32", "1", 4, 8) + "}", 8), SafeTensorsRule.DataHole, "a");

    [Fact]
    public void ByteLengthDiffersFromShapeTimesElementSize() =>
        Rejects(Build("{" + Entry("a", "F32", "2", 0, 4) + "}", 4), SafeTensorsRule.SizeMismatch, "a");

    [Fact]
    public void ShapeProductOverflows() =>
        Rejects(Build("{" + Entry("a", "U8", "4294967296,4294967296,2", 0, 0) + "}", 0), SafeTensorsRule.ArithmeticOverflow, "a");

    [Fact]
    public void BitCountOverflows() =>
        Rejects(Build("{" + Entry("a", "F64", "2305843009213693952", 0, 0) + "}", 0), SafeTensorsRule.ArithmeticOverflow, "a");

    [Fact]
    public void DimensionTooLargeForASignedSizeEvenWithAZero() =>
        Rejects(Build("{" + Entry("a", "U8", "0,9223372036854775808", 0, 0) + "}", 0), SafeTensorsRule.ArithmeticOverflow, "a");

    [Fact]
    public void OffsetBeyondAnyFileLength() =>
        Rejects(Build("{" + Entry("a", "U8", "0", 0, 0) + "," + Entry("b", "U8", "18446744073709551615", 0, 18446744073709551615) + "}", 0), SafeTensorsRule.ArithmeticOverflow, "b");

    [Theory]
    [InlineData("F4", "3")]
    [InlineData("F6_E2M3", "1")]
    [InlineData("F6_E3M2", "2,3")]
    public void SubByteTensorsMustFillWholeBytes(string dtype, string shape) =>
        Rejects(Build("{" + Entry("q", dtype, shape, 0, 2) + "}", 2), SafeTensorsRule.PartialByte, "q");

    [Fact]
    public void TrailingBytesAfterTheData() =>
        Rejects(Build("{" + Entry("a", "U8", "2", 0, 2) + "}", 3), SafeTensorsRule.FileLengthMismatch, null);

    [Fact]
    public void DataShorterThanTheOffsetsSay() =>
        Rejects(Build("{" + Entry("a", "U8", "2", 0, 2) + "}", 1), SafeTensorsRule.FileLengthMismatch, null);

    [Fact]
    public void EmptyHeaderWithTrailingData() => Rejects(Build("{}", 1), SafeTensorsRule.FileLengthMismatch, null);
}
