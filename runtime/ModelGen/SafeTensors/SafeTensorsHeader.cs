using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace ModelGen.SafeTensors;

/// <summary>The validated header of one .safetensors file: its entries in file-offset order and its metadata.</summary>
public sealed class SafeTensorsHeader
{
    /// <summary>Size of the little-endian header length that starts every file.</summary>
    public const int PrefixLength = 8;

    /// <summary>The largest header the format allows (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private SafeTensorsHeader(string filePath, long fileLength, long headerLength, SafeTensorsEntry[] entries, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = filePath;
        FileLength = fileLength;
        HeaderLength = headerLength;
        Entries = entries;
        Metadata = metadata;
        long total = 0;
        foreach (SafeTensorsEntry entry in entries)
            total += entry.ByteLength;
        TotalTensorBytes = total;
    }

    /// <summary>Full path of the file.</summary>
    public string FilePath { get; }

    /// <summary>Length of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Length of the header JSON (the N of the length prefix), padding included.</summary>
    public long HeaderLength { get; }

    /// <summary>Absolute position of the data buffer: 8 + <see cref="HeaderLength"/>.</summary>
    public long DataStart => PrefixLength + HeaderLength;

    /// <summary>The entries, in file-offset order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Sum of the entries' byte lengths (the data buffer's length).</summary>
    public long TotalTensorBytes { get; }

    /// <summary>
    /// Reads and validates the header of the file behind <paramref name="handle"/>. Never allocates more
    /// than the file holds: the length prefix is checked against the limit and the file length first.
    /// </summary>
    internal static SafeTensorsHeader Read(SafeFileHandle handle, string filePath)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < PrefixLength)
            throw new SafeTensorsFormatException(SafeTensorsRule.FileTooSmall, filePath, null, $"the file has {fileLength} bytes, fewer than the {PrefixLength}-byte header length.");

        Span<byte> prefix = stackalloc byte[PrefixLength];
        FileReads.ReadExactly(handle, prefix, 0, filePath, null);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw new SafeTensorsFormatException(SafeTensorsRule.HeaderTooLarge, filePath, null, $"the header length {headerLength} is above the limit of {MaxHeaderLength}.");
        if ((long)headerLength > fileLength - PrefixLength)
            throw new SafeTensorsFormatException(SafeTensorsRule.HeaderBeyondFile, filePath, null, $"8 + header length {headerLength} is beyond the end of the file ({fileLength} bytes).");

        byte[] json = GC.AllocateUninitializedArray<byte>((int)headerLength);
        FileReads.ReadExactly(handle, json, PrefixLength, filePath, null);
        ParsedHeader parsed = SafeTensorsHeaderParser.Parse(json, filePath);
        SafeTensorsEntry[] entries = SafeTensorsLayoutValidator.Validate(parsed.Entries, (long)headerLength, fileLength, filePath);
        return new SafeTensorsHeader(filePath, fileLength, (long)headerLength, entries, parsed.Metadata);
    }
}
