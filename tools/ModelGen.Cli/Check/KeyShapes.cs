using System.Globalization;
using System.Text;

namespace ModelGen.Cli.Check;

/// <summary>
/// Key pattern arithmetic shared by the matcher: <c>{i}</c> stands for a module list index, <c>{key}</c> for a
/// module dictionary key; a checkpoint key's all-digit segments are list indices.
/// </summary>
internal static class KeyShapes
{
    public const string ListIndex = "{i}";
    public const string DictKey = "{key}";

    /// <summary>
    /// The key with every all-digit segment replaced by <c>{i}</c>; <paramref name="tuple"/> receives the digit
    /// segments in order, joined by commas (empty when there are none).
    /// </summary>
    public static string Shape(string key, out string tuple)
    {
        var shape = new StringBuilder(key.Length + 8);
        var indices = new List<string>();
        foreach (string segment in key.Split('.'))
        {
            bool digits = segment.Length > 0 && segment.All(c => c is >= '0' and <= '9');
            if (digits) indices.Add(segment);
            shape.Append(digits ? ListIndex : segment).Append('.');
        }
        tuple = string.Join(",", indices);
        return shape.ToString(0, shape.Length - 1);
    }

    /// <summary>The pattern with its <c>{i}</c> placeholders replaced by <paramref name="indices"/>, in order, as far as they go.</summary>
    public static string Substitute(string pattern, IReadOnlyList<string> indices)
    {
        var builder = new StringBuilder(pattern.Length);
        int next = 0, position = 0;
        while (true)
        {
            int at = pattern.IndexOf(ListIndex, position, StringComparison.Ordinal);
            if (at < 0 || next >= indices.Count) break;
            builder.Append(pattern, position, at - position).Append(indices[next++]);
            position = at + ListIndex.Length;
        }
        return builder.Append(pattern, position, pattern.Length - position).ToString();
    }

    public static int CountIndices(string pattern)
    {
        int count = 0, position = 0;
        while ((position = pattern.IndexOf(ListIndex, position, StringComparison.Ordinal)) >= 0)
        {
            count++;
            position += ListIndex.Length;
        }
        return count;
    }

    /// <summary>The first <paramref name="depth"/> indices of a comma-joined tuple.</summary>
    public static string Prefix(string tuple, int depth)
    {
        int position = -1;
        for (int i = 0; i < depth; i++)
        {
            position = tuple.IndexOf(',', position + 1);
            if (position < 0) return tuple;
        }
        return tuple.Substring(0, position);
    }

    /// <summary>
    /// The module lists a pattern lies in, outermost first: the pattern up to and including each <c>{i}</c>
    /// segment, with the enclosing list's prefix as parent.
    /// </summary>
    public static IReadOnlyList<ListAnchor> Anchors(string pattern)
    {
        var anchors = new List<ListAnchor>();
        string[] segments = pattern.Split('.');
        for (int s = 0; s < segments.Length; s++)
        {
            if (segments[s] != ListIndex) continue;
            string prefix = string.Join(".", segments, 0, s + 1);
            anchors.Add(new ListAnchor(prefix, anchors.Count == 0 ? null : anchors[^1].Prefix));
        }
        return anchors;
    }

    public static long Index(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : long.MaxValue;
}

/// <summary>A module list: its key prefix ending in <c>.{i}</c>, and the prefix of the list it is nested in.</summary>
internal sealed record ListAnchor(string Prefix, string? ParentPrefix);
