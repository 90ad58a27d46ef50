using System.Text;
using ModelGen.SafeTensors;

namespace ModelGen.Loading;

/// <summary>
/// What rank 0 tells every other rank about the checkpoint it opened and validated: each tensor's key, dtype,
/// shape and size, in checkpoint order (file by file, by offset). Never any weight bytes.
/// </summary>
/// <remarks>
/// Sent in a compact binary form, each file path once: a checkpoint may list a million tensors, and a JSON document
/// with the path repeated per tensor cost about 140 bytes of message and 1 KB of transient memory per tensor.
/// Entries of one file share one path string.
/// </remarks>
internal sealed record CheckpointCatalog(string Source, IReadOnlyList<CatalogEntry> Entries)
{
    /// <summary>Leads every message, so that a message from an incompatible build is refused instead of misread.</summary>
    private const int FormatMarker = 0x4D474331; // "MGC1"

    public static CheckpointCatalog From(string source, IReadOnlyList<SafeTensorsEntry> entries)
    {
        var catalog = new CatalogEntry[entries.Count];
        for (int i = 0; i < catalog.Length; i++)
        {
            SafeTensorsEntry e = entries[i];
            catalog[i] = new CatalogEntry(e.Name, e.DType, e.GetShapeArray(), e.ByteLength, e.FilePath);
        }
        return new CheckpointCatalog(source, catalog);
    }

    public byte[] Serialize()
    {
        var files = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (CatalogEntry entry in Entries)
            files.TryAdd(entry.FilePath, files.Count);

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatMarker);
            writer.Write(Source);
            writer.Write7BitEncodedInt(files.Count);
            foreach (string file in files.Keys)
                writer.Write(file);
            writer.Write7BitEncodedInt(Entries.Count);
            foreach (CatalogEntry entry in Entries)
            {
                writer.Write(entry.Name);
                writer.Write7BitEncodedInt((int)entry.DType);
                writer.Write7BitEncodedInt(files[entry.FilePath]);
                writer.Write7BitEncodedInt64(entry.ByteLength);
                writer.Write7BitEncodedInt(entry.Shape.Length);
                foreach (long dim in entry.Shape)
                    writer.Write7BitEncodedInt64(dim);
            }
        }
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">The message is not a catalog of this format.</exception>
    public static CheckpointCatalog Deserialize(byte[] message)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(message, writable: false), Encoding.UTF8);
            if (reader.ReadInt32() != FormatMarker)
                throw new InvalidDataException("the checkpoint catalog received from rank 0 is not in this build's format");
            string source = reader.ReadString();
            var files = new string[reader.Read7BitEncodedInt()];
            for (int i = 0; i < files.Length; i++)
                files[i] = reader.ReadString();
            var entries = new CatalogEntry[reader.Read7BitEncodedInt()];
            for (int i = 0; i < entries.Length; i++)
            {
                string name = reader.ReadString();
                var dtype = (SafeTensorsDType)reader.Read7BitEncodedInt();
                string file = files[reader.Read7BitEncodedInt()];
                long byteLength = reader.Read7BitEncodedInt64();
                var shape = new long[reader.Read7BitEncodedInt()];
                for (int d = 0; d < shape.Length; d++)
                    shape[d] = reader.Read7BitEncodedInt64();
                entries[i] = new CatalogEntry(name, dtype, shape, byteLength, file);
            }
            return reader.BaseStream.Position == message.Length
                ? new CheckpointCatalog(source, entries)
                : throw new InvalidDataException("the checkpoint catalog received from rank 0 has bytes after its end");
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"the checkpoint catalog received from rank 0 is damaged: {e.Message}", e);
        }
    }
}

/// <summary>One tensor of the checkpoint as all ranks see it.</summary>
internal sealed record CatalogEntry(string Name, SafeTensorsDType DType, long[] Shape, long ByteLength, string FilePath);
