using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Manifest;

/// <summary>
/// One checkpoint key of a manifest and where it sits in the manifest file (0-based line and column, offset in the
/// file and length of the key), with its dtype and shape when the line gives them (<see cref="HasShape"/> tells an
/// absent shape from the scalar shape <c>[]</c>).
/// </summary>
internal sealed record ManifestEntry(string Key, int Line, int Column, int Start, int Length)
{
    /// <summary>The safetensors dtype name (<c>BF16</c>, <c>I8</c>, ...), or null when the line has none.</summary>
    public string? DType { get; init; }

    /// <summary>The dimensions of the tensor; meaningful when <see cref="HasShape"/>.</summary>
    public EquatableArray<long> Shape { get; init; }

    /// <summary>Whether the line gives a shape.</summary>
    public bool HasShape { get; init; }
}

/// <summary>A checkpoint manifest handed to the generator as an AdditionalFile, with the model it is declared for.</summary>
internal sealed record ManifestSpec(
    string Path,
    string Model,
    EquatableArray<ManifestEntry> Entries,
    EquatableArray<DiagnosticInfo> Diagnostics);
