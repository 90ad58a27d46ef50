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
        Assert.True(finding.IsError);
    }

    [Fact]
    public void Buffers_are_named_as_buffers()
    {
        var table = new CheckpointKeyTable([new KeyPattern("running_mean", TensorKind.Buffer, "TorchSharp.Modules.BatchNorm1d", "zeros")], [], MissingKeyPolicy.Initialize);

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
        var table = new CheckpointKeyTable([Parameter("experts.{key}.weight"), Parameter("gates.{key}.weight")], [], MissingKeyPolicy.Initialize);

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
        Assert.EndsWith("of 'M'; the load refuses it (UnexpectedKeys is Refuse)", finding.Message);
    }

    [Fact]
    public void Ignored_globs_silence_unmapped_keys_only()
    {
        var table = new CheckpointKeyTable([Parameter("w")], ["**.inv_freq", "extra.*"]);

        CheckReport report = Match(table, "w", "a.b.inv_freq", "extra.x", "extra.x.y");

        Assert.Equal(["a.b.inv_freq", "extra.x"], report.IgnoredKeys);
        Assert.Equal("extra.x.y", Assert.Single(report.Findings).Key);
    }

    [Fact]
    public void Severities_and_wording_follow_the_policy_the_table_carries()
    {
        KeyPattern[] patterns = [Parameter("w"), Parameter("v")];
        var refuse = Match(new CheckpointKeyTable(patterns, []), "w", "completely.unrelated.tensor");
        var relaxed = Match(new CheckpointKeyTable(patterns, [], MissingKeyPolicy.Initialize, UnexpectedKeyPolicy.Ignore), "w", "completely.unrelated.tensor");

        Assert.All(refuse.Findings, f => Assert.True(f.IsError));
        Assert.All(relaxed.Findings, f => Assert.False(f.IsError));
        Assert.Equal("'v' (parameter) is not in the checkpoint; the load refuses it (MissingKeys is Refuse): add it to the checkpoint, declare it new with [Initializer], or set MissingKeys = Initialize to initialize it with zeros",
            refuse.Findings.Single(f => f.Id == "MG0007").Message);
        Assert.Equal("'v' (parameter) is not in the checkpoint; it will be initialized with zeros", relaxed.Findings.Single(f => f.Id == "MG0007").Message);
        Assert.EndsWith("; the load ignores it (UnexpectedKeys is Ignore)", relaxed.Findings.Single(f => f.Id == "MG0006").Message);
    }

    [Fact]
    public void Entries_declared_new_are_never_findings()
    {
        var table = new CheckpointKeyTable([Parameter("w"), new KeyPattern("gate", TensorKind.Parameter, "M", "Fill()", declaredNew: true)], []);

        Assert.True(Match(table, "w").IsClean);
    }

    [Fact]
    public void A_container_the_checkpoint_lacks_is_one_finding_with_a_suggestion()
    {
        var table = new CheckpointKeyTable([Parameter("modle.q.weight"), Parameter("modle.q.bias"), Parameter("modle.norm.weight"), Parameter("head.weight")], []);

        CheckReport report = Match(table, "head.weight", "model.q.weight", "model.q.bias", "model.norm.weight");

        CheckFinding missing = Assert.Single(report.Findings, f => f.Id == "MG0007");
        Assert.Equal("modle", missing.Pattern);
        Assert.StartsWith("'modle' (3 tensors) is not in the checkpoint: no checkpoint key starts with 'modle.' (did you mean 'model'?); the load refuses them", missing.Message);
    }

    [Fact]
    public void A_suggestion_never_names_a_key_already_mapped()
    {
        var table = new CheckpointKeyTable([Parameter("norm.weight"), Parameter("norm.bias")], []);

        CheckReport report = Match(table, "norm.weight", "norm.bias", "norm.wieght");

        Assert.Null(Assert.Single(report.Findings).Suggestion);
    }

    [Fact]
    public void A_buffer_named_like_a_computed_one_points_at_ComputedBuffer()
    {
        var table = new CheckpointKeyTable([new KeyPattern("rotary.inv_freq", TensorKind.Buffer, "M", null)], []);

        Assert.Contains("[ComputedBuffer(nameof(Method))]", Assert.Single(Match(table).Findings).Message);
    }
}
