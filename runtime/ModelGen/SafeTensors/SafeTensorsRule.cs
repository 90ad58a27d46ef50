namespace ModelGen.SafeTensors;

/// <summary>The rule a checkpoint or a read request broke. Every <see cref="SafeTensorsException"/> names one.</summary>
public enum SafeTensorsRule
{
    // ---- One .safetensors file (SafeTensorsFormatException) ----

    /// <summary>The file is shorter than the 8-byte header length prefix.</summary>
    FileTooSmall,

    /// <summary>The header length prefix is above the 100,000,000-byte limit.</summary>
    HeaderTooLarge,

    /// <summary>8 + header length is beyond the end of the file.</summary>
    HeaderBeyondFile,

    /// <summary>The header is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The header is not valid JSON, or not the expected shape (object of tensor entries, field types).</summary>
    InvalidJson,

    /// <summary>A tensor entry's <c>dtype</c> is not one of the format's dtypes.</summary>
    UnknownDType,

    /// <summary>A key appears twice in the same JSON object (a tensor name, a field of an entry, or a metadata key).</summary>
    DuplicateKey,

    /// <summary><c>__metadata__</c> is not an object whose values are all strings.</summary>
    InvalidMetadata,

    /// <summary>A tensor's <c>data_offsets</c> end before they begin.</summary>
    InvalidOffsets,

    /// <summary>Two tensors' byte ranges overlap.</summary>
    OverlappingData,

    /// <summary>The tensors' byte ranges leave a gap: they must tile the data buffer from 0 to its end exactly.</summary>
    DataHole,

    /// <summary>A tensor's byte length is not its element count times its element size.</summary>
    SizeMismatch,

    /// <summary>A shape product, a bit count or an offset does not fit in 64 bits (or a dimension in a signed 64-bit size).</summary>
    ArithmeticOverflow,

    /// <summary>A sub-byte dtype (F4, F6_*) tensor whose bits do not fill whole bytes.</summary>
    PartialByte,

    /// <summary>8 + header length + end of the data buffer is not the file length.</summary>
    FileLengthMismatch,

    /// <summary>The file ended while reading a tensor that validated before: the file changed after it was opened.</summary>
    UnexpectedEndOfFile,

    /// <summary>
    /// The file is no longer the one that was opened and validated: its size, modification time, inode or device
    /// changed (or it is gone) while the checkpoint was in use.
    /// </summary>
    FileChanged,

    // ---- A checkpoint: single path, folder or index (SafeTensorsIndexException) ----

    /// <summary>The path given to open does not exist.</summary>
    FileNotFound,

    /// <summary>The file exists but could not be opened or read (permissions, I/O error).</summary>
    FileUnreadable,

    /// <summary>
    /// The path (after following symbolic links) is not a regular file: a directory, a named pipe, a device or a
    /// socket. Refused before it is opened, since opening a named pipe would wait for a writer for ever.
    /// </summary>
    NotARegularFile,

    /// <summary>A folder holds no checkpoint, or several candidates and no index to choose between them.</summary>
    NoCheckpointInFolder,

    /// <summary>The index file is not valid JSON or not the expected <c>{"metadata":{...},"weight_map":{key:file}}</c> shape.</summary>
    InvalidIndex,

    /// <summary>A file named by the index's <c>weight_map</c> does not exist.</summary>
    ShardFileMissing,

    /// <summary>
    /// A <c>weight_map</c> entry names a file outside the checkpoint folder (an absolute path or <c>..</c>), or, with
    /// <see cref="SafeTensorsReadOptions.AllowLinksOutsideCheckpoint"/> off, a symbolic link leading out.
    /// </summary>
    PathEscapesCheckpoint,

    /// <summary>A key the index maps to a file is not in that file.</summary>
    KeyMissingInShard,

    /// <summary>A file holds a key that the index does not map to that file.</summary>
    KeyNotInIndex,

    // ---- Reading a tensor (SafeTensorsReadException) ----

    /// <summary>The key is not in the checkpoint.</summary>
    UnknownKey,

    /// <summary>The tensor's dtype has no TorchSharp element type, so it cannot be read into a tensor.</summary>
    UnsupportedDType,

    /// <summary>The destination tensor's shape differs from the entry's.</summary>
    DestinationShapeMismatch,

    /// <summary>The destination tensor is not contiguous.</summary>
    DestinationNotContiguous,

    /// <summary>The destination tensor is not in CPU memory.</summary>
    DestinationNotOnCpu,
}
