using System.Text;

namespace ModelGen.Generator.Emitting;

/// <summary>File-name-safe hint names derived from fully qualified type names.</summary>
internal static class HintNames
{
    public static string For(string fullName)
    {
        string name = fullName.StartsWith("global::", System.StringComparison.Ordinal) ? fullName.Substring("global::".Length) : fullName;
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
        }
        return builder.ToString();
    }
}
