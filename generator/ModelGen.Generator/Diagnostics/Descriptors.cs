using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Help links are absolute: <see cref="DefaultHelpLink"/> with the lower-case
/// ID for <c>{id}</c>, or the project's <c>ModelGenHelpLinkRoot</c> (see <see cref="HelpLink"/>).
/// </summary>
internal static class Descriptors
{
    private const string Usage = "ModelGen.Usage";
    private const string Checkpoint = "ModelGen.Checkpoint";

    /// <summary>The MSBuild property (compiler-visible) that replaces <see cref="DefaultHelpLink"/>.</summary>
    public const string HelpLinkProperty = "ModelGenHelpLinkRoot";

    /// <summary>Where docs/diagnostics.md of this repository is published; <c>{id}</c> stands for the lower-case ID, its anchor there.</summary>
    public const string DefaultHelpLink = "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics.md#{id}";

    public static readonly DiagnosticDescriptor ModelNotPartial = Create(
        "MG0001", Usage, DiagnosticSeverity.Error,
        "[ShardedModel] class must be a non-generic partial class",
        "'{0}' is marked [ShardedModel] but {1}; the generator emits part of this class");

    public static readonly DiagnosticDescriptor ModelNotModule = Create(
        "MG0002", Usage, DiagnosticSeverity.Error,
        "[ShardedModel] class must be a TorchSharp module",
        "'{0}' is marked [ShardedModel] but does not derive from TorchSharp's torch.nn.Module");

    public static readonly DiagnosticDescriptor OpaqueModule = Create(
        "MG0003", Usage, DiagnosticSeverity.Warning,
        "Module type the generator cannot see into",
        "'{0}' holds '{1}', which the generator cannot see into: {2}; its parameters and buffers are not mapped");

    public static readonly DiagnosticDescriptor NativeInitializingLayer = Create(
        "MG0004", Usage, DiagnosticSeverity.Warning,
        "Layer built natively and initialized on the CPU even on the meta device",
        "'{0}' is a TorchSharp {1}, which is built natively and randomly initialized on the CPU even when the meta device is requested{2}");

    public static readonly DiagnosticDescriptor AttributeMisuse = Create(
        "MG0005", Usage, DiagnosticSeverity.Error,
        "ModelGen attribute used incorrectly",
        "{0}");

    public static readonly DiagnosticDescriptor UnmappedCheckpointKey = Create(
        "MG0006", Checkpoint, DiagnosticSeverity.Warning,
        "Checkpoint key not taken by any parameter or buffer",
        "Checkpoint key '{0}'{1} is not taken by any parameter or buffer of '{2}'{3}");

    public static readonly DiagnosticDescriptor MissingFromCheckpoint = Create(
        "MG0007", Checkpoint, DiagnosticSeverity.Warning,
        "Parameter or buffer missing from the checkpoint",
        "'{0}' ({1}) is not in the checkpoint{2}; {3}");

    public static readonly DiagnosticDescriptor DuplicateKey = Create(
        "MG0008", Usage, DiagnosticSeverity.Error,
        "Key claimed by two members",
        "Key '{0}' is claimed by both {1} and {2}");

    public static readonly DiagnosticDescriptor ListRangeMismatch = Create(
        "MG0009", Checkpoint, DiagnosticSeverity.Warning,
        "Module list index range disagrees with the checkpoint",
        "Module list '{0}' does not match the checkpoint: {1}");

    public static readonly DiagnosticDescriptor InvalidManifest = Create(
        "MG0010", Checkpoint, DiagnosticSeverity.Error,
        "Checkpoint manifest unreadable or invalid",
        "Checkpoint manifest '{0}' is invalid: {1}");

    public static readonly DiagnosticDescriptor AutoPropertyModule = Create(
        "MG0011", Usage, DiagnosticSeverity.Warning,
        "Auto-property holding a module or tensor",
        "Property '{0}' holds a {1}; TorchSharp registers it under the compiler's backing-field name '<{0}>k__BackingField', which no checkpoint uses, so it is not mapped; declare a field instead");

    public static readonly DiagnosticDescriptor ReadonlyTensorField = Create(
        "MG0012", Usage, DiagnosticSeverity.Warning,
        "Readonly tensor field cannot receive a loaded tensor",
        "Field '{0}' is a readonly {1}; a loaded tensor cannot be put in its place, so it is not mapped; remove 'readonly'");

    public static readonly DiagnosticDescriptor MissingWithoutInitializer = Create(
        "MG0013", Checkpoint, DiagnosticSeverity.Error,
        "Parameter or buffer missing from the checkpoint and without initializer",
        "'{0}' ({1}) is not in the checkpoint{2} and nothing can initialize it; provide it in the checkpoint or add [Initializer]{3}");

    public static readonly DiagnosticDescriptor ManifestModelNotFound = Create(
        "MG0014", Checkpoint, DiagnosticSeverity.Warning,
        "Checkpoint declared for a model that does not exist",
        "Checkpoint manifest '{0}' is declared for model '{1}', but no [ShardedModel] class has that name");

    // Shapes, element types, ties and config.json (MG0020-MG0029).

    public static readonly DiagnosticDescriptor ShapeMismatch = Create(
        "MG0020", Checkpoint, DiagnosticSeverity.Error,
        "Tensor shape disagrees with the checkpoint",
        "Checkpoint key '{0}' has shape {1}, but the model creates {2}{3}");

    public static readonly DiagnosticDescriptor SymbolContradiction = Create(
        "MG0021", Checkpoint, DiagnosticSeverity.Error,
        "Model value used with two different sizes",
        "Checkpoint key '{0}' has shape {1}, but the model creates {2}: '{3}' would be {4} here, yet it is {5} from {6}{7}");

    public static readonly DiagnosticDescriptor ListLengthMismatch = Create(
        "MG0022", Checkpoint, DiagnosticSeverity.Error,
        "Module list length disagrees with the checkpoint",
        "Module list '{0}' gets {1} entries in the model but the checkpoint has {2} (indices 0 to {3}, for example '{4}')");

    public static readonly DiagnosticDescriptor UnconvertibleDType = Create(
        "MG0023", Checkpoint, DiagnosticSeverity.Error,
        "Checkpoint dtype the loader cannot convert into the model's",
        "Checkpoint key '{0}' is {1}, which the loader cannot convert into {2}{3}");

    public static readonly DiagnosticDescriptor TiedKeyInCheckpoint = Create(
        "MG0024", Checkpoint, DiagnosticSeverity.Warning,
        "Tied parameter present in the checkpoint",
        "'{0}' is [TiedTo(\"{1}\")], but the checkpoint holds both '{0}' and '{1}'; the load compares the two and fails if they differ; remove [TiedTo] if the checkpoint's tensor is a separate weight");

    public static readonly DiagnosticDescriptor ConfigArchitectureMismatch = Create(
        "MG0025", Checkpoint, DiagnosticSeverity.Warning,
        "config.json value the model does not follow",
        "config.json sets '{0}' to {1}, but {2}");

    public static readonly DiagnosticDescriptor ShapeCoverage = Create(
        "MG0026", Checkpoint, DiagnosticSeverity.Info,
        "Shapes not checkable for every key",
        "Shapes of '{0}' checked for {1} of {2} checkpoint keys in '{3}'; not checkable: {4}");

    public static readonly DiagnosticDescriptor InvalidConfig = Create(
        "MG0027", Checkpoint, DiagnosticSeverity.Error,
        "Model config.json unreadable or invalid",
        "Model config '{0}' is invalid: {1}");

    public static readonly DiagnosticDescriptor InvalidKeyPolicyProperty = Create(
        "MG0030", Usage, DiagnosticSeverity.Error,
        "Key policy MSBuild property has an unknown value",
        "MSBuild property '{0}' is '{1}', which is not a key policy; use one of: {2}");

    public static readonly IReadOnlyList<DiagnosticDescriptor> All = new[]
    {
        ModelNotPartial, ModelNotModule, OpaqueModule, NativeInitializingLayer, AttributeMisuse,
        UnmappedCheckpointKey, MissingFromCheckpoint, DuplicateKey, ListRangeMismatch, InvalidManifest,
        AutoPropertyModule, ReadonlyTensorField, MissingWithoutInitializer, ManifestModelNotFound,
        ShapeMismatch, SymbolContradiction, ListLengthMismatch, UnconvertibleDType, TiedKeyInCheckpoint,
        ConfigArchitectureMismatch, ShapeCoverage, InvalidConfig,
        InvalidKeyPolicyProperty,
    };

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = All.ToDictionary(d => d.Id);

    /// <summary>Checkpoint mismatches: the diagnostics that strict mode (<c>ModelGenStrict=true</c>) turns into errors.</summary>
    public static bool IsMismatch(string id) =>
        id is "MG0006" or "MG0007" or "MG0009" or "MG0013" or "MG0014" or "MG0024" or "MG0025";

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    /// <summary>
    /// The help link of <paramref name="id"/> from a template: <c>{id}</c> is replaced by the lower-case ID, and a
    /// template without it is a root the ID's anchor is appended to (<c>#mg0006</c>, after a trailing '#' if it has one).
    /// </summary>
    public static string HelpLink(string id, string? template)
    {
        string root = string.IsNullOrWhiteSpace(template) ? DefaultHelpLink : template!.Trim();
        string anchor = id.ToLowerInvariant();
        if (root.Contains("{id}")) return root.Replace("{id}", anchor);
        return root.EndsWith("#", System.StringComparison.Ordinal) ? root + anchor : root + "#" + anchor;
    }

    /// <summary>The descriptor of <paramref name="id"/> with the help link the project's template gives.</summary>
    public static DiagnosticDescriptor WithHelpLink(string id, string? template)
    {
        DiagnosticDescriptor d = ById(id);
        string link = HelpLink(id, template);
        return link == d.HelpLinkUri
            ? d
            : new DiagnosticDescriptor(d.Id, d.Title, d.MessageFormat, d.Category, d.DefaultSeverity, d.IsEnabledByDefault, d.Description, link, d.CustomTags.ToArray());
    }

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLink(id, null));
}
