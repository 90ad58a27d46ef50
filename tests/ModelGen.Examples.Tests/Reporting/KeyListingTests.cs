using ModelGen.Examples.Reporting;
using ModelGen.Loading;

namespace ModelGen.Examples.Tests.Reporting;

/// <summary>The examples' report names every tensor initialized from scratch and every checkpoint key left out, none summarized away.</summary>
public sealed class KeyListingTests
{
    private static LoadReport Report(string[] initialized, string[] ignored, string[]? identicalTied = null) => new()
    {
        Rank = 0, Ranks = 1, Backend = "single", Transport = "none",
        LoadedKeys = ["a"], InitializedKeys = initialized, IgnoredKeys = ignored, TiedKeys = identicalTied ?? [], ComputedKeys = [],
        IdenticalTiedKeys = identicalTied ?? [],
        ParameterBytes = 0, Seconds = 0, InitCallsOnLoaded = 0, RssBeforeLoadBytes = 0, PeakRssBytes = 0,
    };

    [Fact]
    public void Every_initialized_and_ignored_key_gets_its_own_line()
    {
        string[] initialized = Enumerable.Range(0, 12).Select(i => $"model.layers.{i}.mlp.up_proj.weight").ToArray();

        IReadOnlyList<string> lines = KeyListing.Lines(Report(initialized, ["rotary.inv_freq", "extra.scale"]));

        Assert.Equal("  initialized 12 tensor(s) of the model are not in the checkpoint and were newly initialized; train them before relying on the output:", lines[0]);
        Assert.Equal(initialized.Order(StringComparer.Ordinal), lines.Skip(1).Take(12).Select(l => l.Trim()));
        Assert.Equal("  ignored     2 checkpoint key(s) are not used by the model:", lines[13]);
        Assert.Equal(["extra.scale", "rotary.inv_freq"], lines.Skip(14).Select(l => l.Trim()));
    }

    [Fact]
    public void A_clean_load_adds_nothing_and_identical_tied_copies_are_named()
    {
        Assert.Empty(KeyListing.Lines(Report([], [])));

        IReadOnlyList<string> lines = KeyListing.Lines(Report([], [], ["lm_head.weight"]));
        Assert.StartsWith("  tied copies 1 tied key(s) are also in the checkpoint", lines[0]);
        Assert.Equal("lm_head.weight", lines[1].Trim());
    }
}
