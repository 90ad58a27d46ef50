using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>Positions in test sources, so location assertions name text instead of hand-counted columns.</summary>
internal static class Positions
{
    /// <summary>0-based line and column of the first occurrence of <paramref name="marker"/> (plus <paramref name="offset"/>).</summary>
    public static LinePosition Of(string text, string marker, int offset = 0)
    {
        int index = text.IndexOf(marker, StringComparison.Ordinal);
        if (index < 0) throw new ArgumentException($"'{marker}' not found", nameof(marker));
        index += offset;
        int line = 0, lineStart = 0;
        for (int i = 0; i < index; i++)
        {
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        }
        return new LinePosition(line, index - lineStart);
    }

    public static LinePosition Start(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition;

    public static string PathOf(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().Path;
}
