using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>An AdditionalFile held in memory; <c>null</c> content simulates an unreadable file.</summary>
internal sealed class InMemoryAdditionalText(string path, string? content) : AdditionalText
{
    private readonly SourceText? _text = content is null ? null : SourceText.From(content);

    public override string Path { get; } = path;

    public override SourceText? GetText(CancellationToken cancellationToken = default) => _text;
}
