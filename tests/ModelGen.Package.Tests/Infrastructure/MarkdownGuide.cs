using System.Text.RegularExpressions;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>One code block of a guide, in the order the reader meets it.</summary>
internal abstract record GuideStep(string Section, int Line);

/// <summary>An <c>sh</c> block: commands to run, in the folder the previous block left.</summary>
internal sealed record ShellStep(string Section, int Line, string Script) : GuideStep(Section, Line);

/// <summary>A <c>csharp</c> or <c>xml</c> block after a sentence ending in <c>`FILE`:</c>: that file's text, or a fragment of it.</summary>
internal sealed record FileStep(string Section, int Line, string FileName, string Text) : GuideStep(Section, Line);

/// <summary>A <c>text</c> block right after an <c>sh</c> block: lines that command prints.</summary>
internal sealed record OutputStep(string Section, int Line, string[] Lines) : GuideStep(Section, Line);

/// <summary>A block without a language: an illustration of output no step produces.</summary>
internal sealed record IllustrationStep(string Section, int Line, string[] Lines) : GuideStep(Section, Line);

/// <summary>
/// Reads a markdown guide as the steps a reader follows: every fenced code block, classified by its language, with
/// the section (<c>## </c> heading) it belongs to. A block of any other language, a file block without a file name
/// before it, or a <c>text</c> block that does not follow an <c>sh</c> block is an error, so that no block of the
/// guide escapes the test that runs it.
/// </summary>
internal static partial class MarkdownGuide
{
    /// <summary>A fenced code block: its language, section, 1-based line of the opening fence, body and the paragraph before it.</summary>
    public sealed record Block(string Language, string Section, int Line, string[] Lines, string Paragraph, bool FollowsBlock)
    {
        public string Text => string.Join("\n", Lines) + "\n";
    }

    /// <summary>Every fenced code block, in order, whatever its language.</summary>
    public static IReadOnlyList<Block> Blocks(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<Block>();
        string section = "";
        var paragraph = new List<string>();
        bool afterBlock = false, blank = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim();
                paragraph.Clear();
                afterBlock = false;
                continue;
            }
            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                // The paragraph is the last run of text lines, however many blank lines follow it.
                if (line.Trim().Length == 0)
                {
                    blank = true;
                    continue;
                }
                if (blank) paragraph.Clear();
                paragraph.Add(line);
                blank = false;
                afterBlock = false;
                continue;
            }
            int end = Array.FindIndex(lines, i + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            if (end < 0) throw new FormatException($"line {i + 1}: the code block never ends");
            blocks.Add(new Block(line[3..].Trim(), section, i + 1, lines[(i + 1)..end], string.Join(" ", paragraph).Trim(), afterBlock));
            paragraph.Clear();
            afterBlock = true;
            blank = false;
            i = end;
        }
        return blocks;
    }

    /// <summary>The guide's steps; throws for a block no step kind covers.</summary>
    public static IReadOnlyList<GuideStep> Steps(string markdown)
    {
        var steps = new List<GuideStep>();
        foreach (Block block in Blocks(markdown))
        {
            GuideStep? previous = steps.Count > 0 ? steps[^1] : null;
            steps.Add(block.Language switch
            {
                "sh" => new ShellStep(block.Section, block.Line, block.Text),
                "csharp" or "xml" => new FileStep(block.Section, block.Line, FileNamedBy(block), block.Text),
                "text" when previous is ShellStep && previous.Section == block.Section && block.FollowsBlock
                    => new OutputStep(block.Section, block.Line, block.Lines),
                "text" => throw new FormatException($"line {block.Line}: a text block shows a command's output and must follow its sh block"),
                "" => new IllustrationStep(block.Section, block.Line, block.Lines),
                _ => throw new FormatException($"line {block.Line}: no step runs a '{block.Language}' block"),
            });
        }
        return steps;
    }

    /// <summary>The file a block belongs to: the last <c>`name.ext`</c> of the sentence before it, which ends in ':'.</summary>
    private static string FileNamedBy(Block block)
    {
        MatchCollection names = FileName().Matches(block.Paragraph);
        if (!block.Paragraph.EndsWith(':') || names.Count == 0)
            throw new FormatException($"line {block.Line}: a file block must follow a sentence that names its file (`name.ext`) and ends with ':'");
        return names[^1].Groups["name"].Value;
    }

    [GeneratedRegex(@"`(?<name>[A-Za-z0-9_.-]+\.[A-Za-z]+)`")]
    private static partial Regex FileName();
}
