using System;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// A model's effective key policy (what the runtime calls <c>MissingKeyPolicy</c> and <c>UnexpectedKeyPolicy</c>):
/// whether the load initializes tensors the checkpoint lacks and ignores keys no member takes. The build reports
/// what the load would refuse as errors and what it would do anyway as warnings.
/// </summary>
internal sealed record KeyPolicy(bool InitializeMissing, bool IgnoreUnexpected)
{
    /// <summary>Neither attribute nor MSBuild property set: refuse both.</summary>
    public static readonly KeyPolicy Default = new(false, false);

    /// <summary>The attribute's values win over the project's, which win over <see cref="Default"/>.</summary>
    public static KeyPolicy Effective(DeclaredKeyPolicy declared, KeyPolicyDefaults project) =>
        new(declared.InitializeMissing ?? project.InitializeMissing ?? false,
            declared.IgnoreUnexpected ?? project.IgnoreUnexpected ?? false);
}

/// <summary>
/// The project's key policy from MSBuild (<c>ModelGenMissingKeys</c>, <c>ModelGenUnexpectedKeys</c>), null where
/// unset, and a diagnostic for a value that is neither name.
/// </summary>
internal sealed record KeyPolicyDefaults(bool? InitializeMissing, bool? IgnoreUnexpected, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public const string MissingKeysProperty = "ModelGenMissingKeys";
    public const string UnexpectedKeysProperty = "ModelGenUnexpectedKeys";

    public static KeyPolicyDefaults Read(AnalyzerConfigOptions options)
    {
        var diagnostics = new System.Collections.Generic.List<DiagnosticInfo>();
        bool? missing = Read(options, MissingKeysProperty, "Refuse", "Initialize", diagnostics);
        bool? unexpected = Read(options, UnexpectedKeysProperty, "Refuse", "Ignore", diagnostics);
        return new KeyPolicyDefaults(missing, unexpected, diagnostics.ToEquatableArray());
    }

    /// <summary>False for <paramref name="refuse"/>, true for <paramref name="relaxed"/> (any case), null when unset or invalid.</summary>
    private static bool? Read(AnalyzerConfigOptions options, string property, string refuse, string relaxed, System.Collections.Generic.List<DiagnosticInfo> diagnostics)
    {
        if (!options.TryGetValue("build_property." + property, out string? raw) || string.IsNullOrWhiteSpace(raw)) return null;
        string value = raw!.Trim();
        if (string.Equals(value, refuse, StringComparison.OrdinalIgnoreCase)) return false;
        if (string.Equals(value, relaxed, StringComparison.OrdinalIgnoreCase)) return true;
        diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidKeyPolicyProperty, null, property, value, refuse + ", " + relaxed));
        return null;
    }
}
