namespace ModelGen.Mapping;

/// <summary>
/// Glob matching over dot-separated checkpoint keys: <c>*</c> matches any run of characters inside one segment,
/// <c>**</c> any run including dots, <c>?</c> one character other than a dot; everything else matches itself.
/// The generator applies the same rules at build time.
/// </summary>
public static class KeyGlob
{
    /// <summary>True when the whole <paramref name="key"/> matches <paramref name="glob"/>.</summary>
    public static bool IsMatch(string glob, string key)
    {
        ArgumentNullException.ThrowIfNull(glob);
        ArgumentNullException.ThrowIfNull(key);
        return Match(glob, 0, key, 0);
    }

    private static bool Match(string glob, int g, string key, int k)
    {
        while (g < glob.Length)
        {
            char c = glob[g];
            if (c == '*')
            {
                bool crossesDots = g + 1 < glob.Length && glob[g + 1] == '*';
                int rest = g + (crossesDots ? 2 : 1);
                // Try every possible length for the star, shortest first.
                for (int end = k; end <= key.Length; end++)
                {
                    if (Match(glob, rest, key, end)) return true;
                    if (end < key.Length && key[end] == '.' && !crossesDots) return false;
                }
                return false;
            }
            if (k >= key.Length) return false;
            if (c == '?' ? key[k] == '.' : c != key[k]) return false;
            g++;
            k++;
        }
        return k == key.Length;
    }
}
