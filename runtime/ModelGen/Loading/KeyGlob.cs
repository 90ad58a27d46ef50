using System.Text;
using System.Text.RegularExpressions;

namespace ModelGen.Loading;

/// <summary>
/// A checkpoint key pattern: <c>*</c> matches within one dotted segment, <c>**</c> across segments,
/// everything else literally. For example <c>model.layers.*.self_attn.rotary_emb.inv_freq</c> or <c>**.absmax</c>.
/// </summary>
public sealed class KeyGlob
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public KeyGlob(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
            }
            else if (pattern[i] == '*')
            {
                regex.Append("[^.]*");
            }
            else
            {
                regex.Append(Regex.Escape(pattern[i].ToString()));
            }
        }
        _regex = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>Whether <paramref name="key"/> matches the whole pattern.</summary>
    public bool IsMatch(string key) => _regex.IsMatch(key);

    /// <inheritdoc />
    public override string ToString() => Pattern;
}
