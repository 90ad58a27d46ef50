using ModelGen.SafeTensors;
using TorchSharp;
using static ModelGen.Tests.SafeTensors.RawSafeTensors;

namespace ModelGen.Tests.SafeTensors;

/// <summary>Files that look unusual but that the format (and the reference implementation) accepts.</summary>
public class SafeTensorsFormatAcceptanceTests
{
    private static SafeTensorsFile Open(TempFolder folder, byte[] bytes) => SafeTensorsFile.Open(folder.Write("ok.safetensors", bytes));

    [Fact]
    public void WhitespaceAroundTheJsonAndNoTensors()
    {
        using var folder = new TempFolder();
        using SafeTensorsFile file = Open(folder, Build(" \n\t{ }\r\n    ", 0));
        Assert.Empty(file.Entries);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void EntriesInAnyJsonOrderAreListedInOffsetOrder()
    {
        using var folder = new TempFolder();
        string json = "{" + Entry("c", "U8", "2", 6, 8) + "," + Entry("a", "I16", "1", 4, 6) + "," + Entry("b", "F32", "", 0, 4) + "}";
        using SafeTensorsFile file = Open(folder, Build(json, 8));
        Assert.Equal(["b", "a", "c"], file.Entries.Select(e => e.Name));
        Assert.Equal([0L, 4, 6], file.Entries.Select(e => e.DataBegin));
        Assert.Equal(file.Header.DataStart + 6, file.GetEntry("c").FileOffset);
        using torch.Tensor c = file.Read("c");
        Assert.Equal([6, 7], c.bytes.ToArray());
    }

    [Fact]
    public void NullMetadataUnknownFieldsAndEscapedNames()
    {
        using var folder = new TempFolder();
        string json = "{\"__metadata__\":null,\"w\\u00e9\":{\"dtype\":\"U8\",\"extra\":[1,{\"x\":2}],\"shape\":[1],\"data_offsets\":[0,1]}}";
        using SafeTensorsFile file = Open(folder, Build(json, 1));
        Assert.Empty(file.Metadata);
        Assert.True(file.Contains("wé"));
    }

    [Fact]
    public void ZeroSizedTensorsMayShareTheirOffsetWithOthers()
    {
        using var folder = new TempFolder();
        string json = "{" + Entry("z2", "F32", "0", 4, 4) + "," + Entry("a", "F32", "1", 0, 4) + "," + Entry("z1", "F64", "3,0", 0, 0) + "}";
        using SafeTensorsFile file = Open(folder, Build(json, 4));
        Assert.Equal(["z1", "a", "z2"], file.Entries.Select(e => e.Name));
    }

    [Fact]
    public void EveryDTypeIsListedAndValidatedEvenWhenTorchSharpCannotHoldIt()
    {
        using var folder = new TempFolder();
        var entries = new List<string>();
        long offset = 0;
        foreach (SafeTensorsDType dtype in SafeTensorsDTypes.All)
        {
            // 24 elements fill whole bytes for every bit size (4, 6, 8, ...).
            long length = 24L * dtype.BitSize() / 8;
            entries.Add(Entry(dtype.Name(), dtype.Name(), "4,6", (ulong)offset, (ulong)(offset + length)));
            offset += length;
        }
        using SafeTensorsFile file = Open(folder, Build("{" + string.Join(",", entries) + "}", offset));
        Assert.Equal(SafeTensorsDTypes.All, file.Entries.Select(e => e.DType));
        foreach (SafeTensorsEntry entry in file.Entries)
            Assert.Equal(entry.IsReadableAsTensor, entry.DType.TryGetScalarType(out _));
        Assert.Equal(11, file.Entries.Count(e => e.IsReadableAsTensor));
    }
}
