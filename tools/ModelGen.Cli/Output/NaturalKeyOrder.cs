namespace ModelGen.Cli.Output;

/// <summary>
/// Orders checkpoint keys the way people read them: segment by segment (split at '.'), all-digit segments by their
/// numeric value, so <c>layers.2</c> comes before <c>layers.10</c>. Other segments compare ordinally, and a number
/// sorts before text, as digits do in ordinal order. Keys that differ only in leading zeros (<c>01</c>, <c>1</c>)
/// fall back to ordinal order, so the order is total and the same on every machine.
/// </summary>
internal sealed class NaturalKeyOrder : IComparer<string>
{
    public static NaturalKeyOrder Instance { get; } = new();

    private NaturalKeyOrder() { }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;

        ReadOnlySpan<char> left = x, right = y;
        while (true)
        {
            ReadOnlySpan<char> a = NextSegment(ref left, out bool leftMore);
            ReadOnlySpan<char> b = NextSegment(ref right, out bool rightMore);
            int order = CompareSegments(a, b);
            if (order != 0) return order;
            if (!leftMore || !rightMore)
                return leftMore == rightMore ? string.CompareOrdinal(x, y) : (leftMore ? 1 : -1);
        }
    }

    /// <summary>The text up to the next '.', consuming it; <paramref name="more"/> says whether a '.' followed.</summary>
    private static ReadOnlySpan<char> NextSegment(ref ReadOnlySpan<char> rest, out bool more)
    {
        int dot = rest.IndexOf('.');
        more = dot >= 0;
        ReadOnlySpan<char> segment = more ? rest[..dot] : rest;
        rest = more ? rest[(dot + 1)..] : [];
        return segment;
    }

    private static int CompareSegments(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        bool aNumber = IsNumber(a), bNumber = IsNumber(b);
        if (aNumber && bNumber)
        {
            // By value without parsing (any length): fewer significant digits is smaller, then digit by digit.
            ReadOnlySpan<char> aDigits = a.TrimStart('0'), bDigits = b.TrimStart('0');
            if (aDigits.Length != bDigits.Length) return aDigits.Length.CompareTo(bDigits.Length);
            return aDigits.SequenceCompareTo(bDigits);
        }
        if (aNumber != bNumber) return aNumber ? -1 : 1;
        return a.SequenceCompareTo(b);
    }

    private static bool IsNumber(ReadOnlySpan<char> segment) => segment.Length > 0 && !segment.ContainsAnyExceptInRange('0', '9');
}
