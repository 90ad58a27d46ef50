using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Diagnostics;

/// <summary>An equatable description of a diagnostic to report: descriptor id, position, message arguments and, in strict mode, an escalated severity.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, bool Escalate)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, arguments.ToEquatableArray(), Escalate: false);

    public DiagnosticInfo Escalated(bool strict) => strict ? this with { Escalate = true } : this;

    /// <param name="location">Where to report it.</param>
    /// <param name="helpLinkTemplate">The project's help link template (<see cref="Descriptors.HelpLink"/>), or null for the default.</param>
    public Diagnostic ToDiagnostic(Location location, string? helpLinkTemplate = null)
    {
        DiagnosticDescriptor descriptor = Descriptors.WithHelpLink(Id, helpLinkTemplate);
        object[] args = Arguments.Select(a => (object)a).ToArray();
        DiagnosticSeverity severity = Escalate ? DiagnosticSeverity.Error : descriptor.DefaultSeverity;
        return Diagnostic.Create(descriptor, location, severity, additionalLocations: null, properties: null, args);
    }
}
