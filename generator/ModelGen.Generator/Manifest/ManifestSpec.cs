using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Manifest;

/// <summary>One checkpoint key of a manifest and where it sits in the manifest file (0-based line and column, offset in the file and length of the key).</summary>
internal sealed record ManifestEntry(string Key, int Line, int Column, int Start, int Length);

/// <summary>A checkpoint manifest handed to the generator as an AdditionalFile, with the model it is declared for.</summary>
internal sealed record ManifestSpec(
    string Path,
    string Model,
    EquatableArray<ManifestEntry> Entries,
    EquatableArray<DiagnosticInfo> Diagnostics);
