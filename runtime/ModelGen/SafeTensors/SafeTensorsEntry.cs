namespace ModelGen.SafeTensors;

/// <summary>One validated tensor entry of a .safetensors file: name, dtype, shape and where its bytes are.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string name, SafeTensorsDType dtype, long[] shape, long elementCount, long dataBegin, long dataEnd, long dataStart, string filePath)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        FileOffset = dataStart + dataBegin;
        FilePath = filePath;
    }

    private readonly long[] _shape;

    /// <summary>The tensor's key, for example <c>model.embed_tokens.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type stored in the file.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>Product of <see cref="Shape"/> (1 for a scalar, 0 when any dimension is 0).</summary>
    public long ElementCount { get; }

    /// <summary>Start of the tensor's bytes relative to the data buffer (the header's <c>data_offsets[0]</c>).</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes relative to the data buffer (<c>data_offsets[1]</c>).</summary>
    public long DataEnd { get; }

    /// <summary>Number of bytes the tensor occupies in the file.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Absolute position of the tensor's first byte in its file.</summary>
    public long FileOffset { get; }

    /// <summary>Full path of the file that holds the tensor.</summary>
    public string FilePath { get; }

    /// <summary>Whether TorchSharp has an element type for <see cref="DType"/>, so that the tensor can be read into a tensor.</summary>
    public bool IsReadableAsTensor => DType.TryGetScalarType(out _);

    /// <summary>A copy of the shape, in the form TorchSharp factory methods take.</summary>
    public long[] GetShapeArray() => (long[])_shape.Clone();

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType}[{string.Join(", ", _shape)}] @{FileOffset} ({ByteLength} bytes)";
}
