using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>Analyzer config options as MSBuild would hand them over: global properties and per-AdditionalFile metadata.</summary>
internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly ImmutableDictionary<string, ImmutableDictionary<string, string>> _perFile;

    public TestOptionsProvider(ImmutableDictionary<string, string> global, ImmutableDictionary<string, ImmutableDictionary<string, string>> perFile)
    {
        GlobalOptions = new Options(global);
        _perFile = perFile;
    }

    public override AnalyzerConfigOptions GlobalOptions { get; }

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(ImmutableDictionary<string, string>.Empty);

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        new Options(_perFile.TryGetValue(textFile.Path, out var values) ? values : ImmutableDictionary<string, string>.Empty);

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
