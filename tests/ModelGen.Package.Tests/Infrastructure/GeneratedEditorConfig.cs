namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>
/// The <c>.GeneratedMSBuildEditorConfig.editorconfig</c> the build hands the compiler: one <c>[path]</c> section per
/// AdditionalFile with compiler-visible metadata, as <c>build_metadata.AdditionalFiles.NAME = value</c> lines.
/// </summary>
internal sealed class GeneratedEditorConfig
{
    private const string MetadataPrefix = "build_metadata.AdditionalFiles.";

    private readonly Dictionary<string, Dictionary<string, string>> _files;

    private GeneratedEditorConfig(Dictionary<string, Dictionary<string, string>> files) => _files = files;

    /// <summary>The full paths of the AdditionalFiles that carry the <paramref name="name"/> metadata.</summary>
    public IEnumerable<string> FilesWith(string name) => _files.Where(f => f.Value.ContainsKey(name)).Select(f => f.Key);

    /// <summary>The AdditionalFiles metadata of <paramref name="path"/> (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> MetadataOf(string path) =>
        _files.TryGetValue(Path.GetFullPath(path), out Dictionary<string, string>? metadata) ? metadata : new Dictionary<string, string>();

    public static GeneratedEditorConfig Read(string path)
    {
        var files = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? section = null;
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = new Dictionary<string, string>(StringComparer.Ordinal);
                files[Path.GetFullPath(line[1..^1])] = section;
                continue;
            }
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section is null || equals < 0 || !line.StartsWith(MetadataPrefix, StringComparison.Ordinal)) continue;
            section[line[MetadataPrefix.Length..equals].Trim()] = line[(equals + 1)..].Trim();
        }
        return new GeneratedEditorConfig(files);
    }
}
