using System.Text.Json;
using ModelGen.SafeTensors;

namespace ModelGen.Loading;

/// <summary>
/// What rank 0 tells every other rank about the checkpoint it opened and validated: each tensor's key, dtype,
/// shape and size, in checkpoint order (file by file, by offset). Never any weight bytes.
/// </summary>
internal sealed record CheckpointCatalog(string Source, IReadOnlyList<CatalogEntry> Entries)
{
    public static CheckpointCatalog From(string source, IEnumerable<SafeTensorsEntry> entries) =>
        new(source, entries.Select(e => new CatalogEntry(e.Name, e.DType, e.GetShapeArray(), e.ByteLength, e.FilePath)).ToArray());

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static CheckpointCatalog Deserialize(byte[] utf8) =>
        JsonSerializer.Deserialize<CheckpointCatalog>(utf8) ?? throw new InvalidDataException("empty checkpoint catalog received from rank 0");
}

/// <summary>One tensor of the checkpoint as all ranks see it.</summary>
internal sealed record CatalogEntry(string Name, SafeTensorsDType DType, long[] Shape, long ByteLength, string FilePath);
