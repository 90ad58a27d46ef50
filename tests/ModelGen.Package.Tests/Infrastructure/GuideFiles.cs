using System.Xml.Linq;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>
/// Applies a guide's file block to a folder. A block that is a whole file (C#, or XML with its own root such as
/// <c>&lt;Project&gt;</c> or <c>&lt;configuration&gt;</c>) replaces the file. An <c>&lt;ItemGroup&gt;</c> block is what
/// the reader does to a project file: it replaces the item group that holds the same kind of item (the one a reader
/// would edit), or is added at the end of <c>&lt;Project&gt;</c> when there is none.
/// </summary>
internal static class GuideFiles
{
    public static void Apply(string folder, FileStep step)
    {
        string path = Path.Combine(folder, step.FileName);
        if (!step.Text.TrimStart().StartsWith("<ItemGroup>", StringComparison.Ordinal))
        {
            File.WriteAllText(path, step.Text);
            return;
        }
        if (!File.Exists(path))
            throw new InvalidOperationException($"line {step.Line}: the item group belongs in {step.FileName}, which does not exist yet");

        XDocument project = XDocument.Load(path, LoadOptions.PreserveWhitespace);
        XElement root = project.Root!;
        var group = XElement.Parse(step.Text);
        string kind = group.Elements().First().Name.LocalName;
        XElement? existing = root.Elements(root.Name.Namespace + "ItemGroup")
            .FirstOrDefault(g => g.Elements().FirstOrDefault()?.Name.LocalName == kind);
        if (existing is not null) existing.ReplaceWith(group);
        else root.Add(group, "\n");
        project.Save(path, SaveOptions.DisableFormatting);
    }
}
