using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Diagnostics;

/// <summary>
/// A source or manifest position held as plain values (no syntax tree), so pipeline models stay equatable and
/// free of compilation objects. <see cref="InSource"/> marks C# positions, which are turned back into real
/// source locations (so <c>#pragma</c> applies) when diagnostics are reported.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan, bool InSource)
{
    public static LocationInfo? FromSyntax(SyntaxNode? node)
    {
        if (node is null) return null;
        return FromLocation(node.GetLocation());
    }

    public static LocationInfo? FromLocation(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        FileLinePositionSpan lines = location.GetLineSpan();
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, lines.Span, InSource: true);
    }

    public static LocationInfo InFile(string path, TextSpan span, LinePositionSpan lineSpan) => new(path, span, lineSpan, InSource: false);
}
