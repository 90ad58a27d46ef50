using ModelGen.Loading;
using ModelGen.SafeTensors;

namespace ModelGen.Tests.Loading;

/// <summary>The catalog rank 0 sends to the other ranks: everything but the weights, each file path once.</summary>
public sealed class CheckpointCatalogTests
{
    private static CheckpointCatalog Sample() => new("/ckpt/model.safetensors.index.json",
    [
        new CatalogEntry("embed.weight", SafeTensorsDType.BF16, [128_256, 4096], 128_256L * 4096 * 2, "/ckpt/model-00001-of-00002.safetensors"),
        new CatalogEntry("step", SafeTensorsDType.I64, [], 8, "/ckpt/model-00001-of-00002.safetensors"),
        new CatalogEntry("layers.0.w\u00e9ight", SafeTensorsDType.F8_E4M3, [0, 7], 0, "/ckpt/model-00002-of-00002.safetensors"),
        new CatalogEntry("huge", SafeTensorsDType.F4, [long.MaxValue / 4, 2], long.MaxValue / 4, "/ckpt/model-00002-of-00002.safetensors"),
    ]);

    [Fact]
    public void EveryFieldSurvivesTheRoundTripAndEntriesOfOneFileShareItsPath()
    {
        CheckpointCatalog sent = Sample();

        CheckpointCatalog received = CheckpointCatalog.Deserialize(sent.Serialize());

        Assert.Equal(sent.Source, received.Source);
        Assert.Equal(sent.Entries.Count, received.Entries.Count);
        for (int i = 0; i < sent.Entries.Count; i++)
        {
            CatalogEntry a = sent.Entries[i], b = received.Entries[i];
            Assert.Equal((a.Name, a.DType, a.ByteLength, a.FilePath), (b.Name, b.DType, b.ByteLength, b.FilePath));
            Assert.Equal(a.Shape, b.Shape);
        }
        Assert.Same(received.Entries[0].FilePath, received.Entries[1].FilePath);
        Assert.Same(received.Entries[2].FilePath, received.Entries[3].FilePath);
    }

    [Fact]
    public void EachPathTravelsOnce()
    {
        var entries = Enumerable.Range(0, 1000)
            .Select(i => new CatalogEntry($"k{i}", SafeTensorsDType.F32, [4], 16, "/a/very/long/path/to/the/checkpoint/folder/model-00001-of-00001.safetensors"))
            .ToArray();

        byte[] message = new CheckpointCatalog("src", entries).Serialize();

        Assert.True(message.Length < 1000 * 12, $"{message.Length} bytes for 1000 entries of one file");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(20)]
    public void ACutOrForeignMessageIsInvalidData(int keep)
    {
        byte[] message = Sample().Serialize();

        Assert.Throws<InvalidDataException>(() => CheckpointCatalog.Deserialize(message[..keep]));
        Assert.Throws<InvalidDataException>(() => CheckpointCatalog.Deserialize("{\"Source\":\"x\",\"Entries\":[]}"u8.ToArray()));
        Assert.Throws<InvalidDataException>(() => CheckpointCatalog.Deserialize([.. message, 0]));
    }
}
