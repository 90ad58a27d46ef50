using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Manifest;

/// <summary>
/// One scalar of a model's config.json: its dotted path (<c>hidden_size</c>, <c>rope_scaling.factor</c>), its JSON
/// text, its value when it is an integer or a boolean, and where it is written (offset and 0-based line/column).
/// </summary>
internal sealed record ConfigValue(string Path, string Text, long? Integer, bool? Boolean, int Start, int Length, int Line, int Column)
{
    public LocationInfo Location(string file) =>
        LocationInfo.InFile(file, new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(Line, Column), new LinePosition(Line, Column + Length)));
}

/// <summary>A config.json handed to the generator for a model (AdditionalFile with <c>ModelGenKind=config</c>).</summary>
internal sealed record ConfigSpec(
    string Path,
    string Model,
    EquatableArray<ConfigValue> Values,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The value at a dotted path, or null.</summary>
    public ConfigValue? Find(string path)
    {
        foreach (ConfigValue value in Values)
        {
            if (value.Path == path) return value;
        }
        return null;
    }
}
