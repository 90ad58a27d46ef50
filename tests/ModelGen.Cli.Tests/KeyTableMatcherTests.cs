using ModelGen.Cli.Check;
using ModelGen.Mapping;

namespace ModelGen.Cli.Tests;

/// <summary>Matcher rules the compiled test model cannot show: dictionaries, nested lists, optional entries, entries without initializer.</summary>
public sealed class KeyTableMatcherTests
{
    private static KeyPattern Parameter(string pattern, string? init = "zeros", bool optional = false) =>
        new(pattern, TensorKind.Parameter, "TorchSharp.Modules.Linear", init, optional);

    private static CheckReport Match(CheckpointKeyTable table, params string[] keys) => KeyTableMatcher.Match("M", table, keys);

    [Fact]
    public void Entry_without_initializer_missing_is_MG0013()
    {
        var table = new CheckpointKeyTable([Parameter("scale", init: null), Parameter("w")], []);

        CheckReport report = Match(table, "w");

        CheckFinding finding = Assert.Single(report.Findings);
        Assert.Equal("MG0013", finding.Id);
        Assert.Equal("'scale' (parameter) is not in the checkpoint and nothing can initialize it; provide it in the checkpoint or add [Initializer]", finding.Message);
    }

    [Fact]
    public void Buffers_are_named_as_buffers()
    {
        var table = new CheckpointKeyTable([new KeyPattern("running_mean", TensorKind.Buffer, "TorchSharp.Modules.BatchNorm1d", "zeros")], []);

        Assert.Equal("'running_mean' (buffer) is not in the checkpoint; it will be initialized with zeros", Assert.Single(Match(table).Findings).Message);
    }

    [Fact]
    public void Optional_entries_are_listed_but_not_findings()
    {
        var table = new CheckpointKeyTable([Parameter("proj.weight"), Parameter("proj.bias", optional: true)], []);

        CheckReport report = Match(table, "proj.weight");

        Assert.True(report.IsClean);
        Assert.Equal(["proj.bias"], report.OptionalMissing);
    }

    [Fact]
    public void Dictionary_entries_match_any_segment_and_are_checked_for_presence()
    {
        var table = new CheckpointKeyTable([Parameter("experts.{key}.weight"), Parameter("gates.{key}.weight")], []);

        CheckReport report = Match(table, "experts.alpha.weight", "experts.beta.weight", "experts.beta.extra");

        Assert.Equal(2, report.MappedKeys);
        Assert.Equal(["MG0006", "MG0007"], report.Findings.Select(f => f.Id));
        Assert.Equal("'gates.{key}.weight' (parameter) is not in the checkpoint; it will be initialized with zeros", report.Findings[1].Message);
    }

    [Fact]
    public void Nested_lists_report_holes_per_parent_and_empty_parents()
    {
        var table = new CheckpointKeyTable([Parameter("blocks.{i}.heads.{i}.w"), Parameter("blocks.{i}.norm")], []);

        CheckReport report = Match(table,
            "blocks.0.norm", "blocks.0.heads.0.w", "blocks.0.heads.2.w",
            "blocks.1.norm");

        var ranges = report.Findings.Where(f => f.Id == "MG0009").Select(f => f.Message).ToList();
        Assert.Equal(["Module list 'blocks.{i}.heads' does not match the checkpoint: the checkpoint has indices up to 2 under 'blocks.0.heads' but lacks index 1; no entries under 'blocks.1'"], ranges);
        // Missing entries are counted against the indices the checkpoint has, so the hole is MG0009's alone.
        Assert.Single(report.Findings);
    }

    [Fact]
    public void Literal_digit_segments_match_as_is()
    {
        var table = new CheckpointKeyTable([Parameter("layers.0.w")], []);

        Assert.True(Match(table, "layers.0.w").IsClean);
    }

    [Fact]
    public void Distant_keys_get_no_suggestion()
    {
        var table = new CheckpointKeyTable([Parameter("embed.weight")], []);

        CheckFinding finding = Match(table, "embed.weight", "completely.unrelated.tensor").Findings.Single();

        Assert.Null(finding.Suggestion);
        Assert.EndsWith("of 'M'", finding.Message);
    }

    [Fact]
    public void Ignored_globs_silence_unmapped_keys_only()
    {
        var table = new CheckpointKeyTable([Parameter("w")], ["**.inv_freq", "extra.*"]);

        CheckReport report = Match(table, "w", "a.b.inv_freq", "extra.x", "extra.x.y");

        Assert.Equal(["a.b.inv_freq", "extra.x"], report.IgnoredKeys);
        Assert.Equal("extra.x.y", Assert.Single(report.Findings).Key);
    }
}
