using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>The key policy a [ShardedModel] attribute sets; null where the attribute leaves it to the project.</summary>
internal sealed record DeclaredKeyPolicy(bool? InitializeMissing, bool? IgnoreUnexpected)
{
    public static readonly DeclaredKeyPolicy Unset = new(null, null);
}

/// <summary>The model's own key policy, read from its [ShardedModel] attribute.</summary>
internal sealed partial record ModelSpec
{
    public DeclaredKeyPolicy Policy { get; init; } = DeclaredKeyPolicy.Unset;
}

/// <summary>Whether the user declared the tensor new (an [Initializer]): never reported or refused when the checkpoint lacks it.</summary>
internal sealed partial record TensorSpec
{
    public bool DeclaredNew { get; init; }
}

/// <summary>Reads <c>MissingKeys</c> and <c>UnexpectedKeys</c> from the [ShardedModel] attribute of a root.</summary>
internal static class KeyPolicyReader
{
    public static DeclaredKeyPolicy Read(INamedTypeSymbol root, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        AttributeData? attribute = root.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == WellKnownTypes.ShardedModelAttribute);
        if (attribute is null) return DeclaredKeyPolicy.Unset;
        bool? missing = null, unexpected = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "MissingKeys": missing = Value(argument.Value, "MissingKeys", "MissingKeyPolicy", attribute, location, diagnostics); break;
                case "UnexpectedKeys": unexpected = Value(argument.Value, "UnexpectedKeys", "UnexpectedKeyPolicy", attribute, location, diagnostics); break;
            }
        }
        return missing is null && unexpected is null ? DeclaredKeyPolicy.Unset : new DeclaredKeyPolicy(missing, unexpected);
    }

    /// <summary>Enum value 0 (Refuse) is false, 1 (Initialize / Ignore) true; any other number is reported.</summary>
    private static bool? Value(TypedConstant constant, string property, string enumName, AttributeData attribute, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        switch (constant.Value)
        {
            case 0: return false;
            case 1: return true;
            default:
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.AttributeMisuse,
                    LocationInfo.FromSyntax(attribute.ApplicationSyntaxReference?.GetSyntax()) ?? location,
                    $"[ShardedModel] sets {property} to {constant.Value}, which is not a {enumName} value"));
                return null;
        }
    }
}
