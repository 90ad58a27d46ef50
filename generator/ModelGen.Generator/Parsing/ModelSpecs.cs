using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>Parameter or buffer, as TorchSharp registers the tensor.</summary>
internal enum SlotKind
{
    Parameter,
    Buffer,
}

/// <summary>Whether a layer's optional tensor exists: decided by a constant constructor argument, or only at run time.</summary>
internal enum Presence
{
    Always,
    Never,
    Runtime,
}

/// <summary>What a registered field of a module holds.</summary>
internal enum MemberKind
{
    /// <summary>A <c>Parameter</c> field of a custom module.</summary>
    Parameter,

    /// <summary>A non-parameter <c>Tensor</c> field of a custom module.</summary>
    Buffer,

    /// <summary>A built-in layer whose tensors the generator knows.</summary>
    Layer,

    /// <summary>A custom module (partial class in this compilation) followed recursively.</summary>
    Module,

    /// <summary>A <c>ModuleList&lt;T&gt;</c>: children named 0, 1, ...</summary>
    List,

    /// <summary>A <c>ModuleDict&lt;T&gt;</c>: children named by their keys.</summary>
    Dict,

    /// <summary>A <c>Sequential</c> created with its children: named 0, 1, ... by position, or by the names given (<see cref="MemberSpec.Children"/>).</summary>
    Sequential,

    /// <summary>
    /// A <c>ModuleList&lt;Sequential&gt;</c> whose entries are all built alike: entries named 0, 1, ..., each holding
    /// <see cref="MemberSpec.Children"/> under the names its <c>Sequential</c> registers them by.
    /// </summary>
    SequentialList,
}

/// <summary>
/// One tensor slot of a member: its key segment, how the glue reaches it (<see cref="Access"/> is a property of a
/// layer or a field of a custom module), and how it is initialized. <see cref="InitCode"/> is a C# expression
/// template where <c>{t}</c> stands for the tensor and <c>{m}</c> for the owning layer.
/// </summary>
internal sealed partial record TensorSpec(
    string Name,
    SlotKind Kind,
    string Access,
    string? InitCode,
    string? InitDescription,
    Presence Presence,
    string? TiedTo,
    string? ComputeMethod);

/// <summary>A built-in layer type and the tensors it holds.</summary>
internal sealed record LayerSpec(string TypeName, string DisplayName, EquatableArray<TensorSpec> Tensors);

/// <summary>
/// One registered field of a custom module. <see cref="Tensor"/> is set for parameters and buffers,
/// <see cref="Layer"/> for built-in layers (or list/dict elements that are built-in layers),
/// <see cref="ModuleType"/> for custom modules (or list/dict elements that are custom modules).
/// </summary>
internal sealed record MemberSpec(
    string FieldName,
    string Key,
    MemberKind Kind,
    TensorSpec? Tensor,
    LayerSpec? Layer,
    string? ModuleType,
    LocationInfo? Location)
{
    /// <summary>How the member is created, as far as shapes go; null when the generator found no creation.</summary>
    public CreationSpec? Creation { get; init; }

    /// <summary>
    /// For <see cref="MemberKind.Sequential"/>: its children with tensors (layers and custom modules), in order, keyed by
    /// their names; for <see cref="MemberKind.SequentialList"/>, those of every entry.
    /// </summary>
    public EquatableArray<MemberSpec> Children { get; init; }
}

/// <summary>
/// A custom module type (partial class in the compilation) and its own registered fields, in declaration order.
/// <see cref="ContainingTypes"/> names the partial classes it is nested in, outermost first.
/// </summary>
internal sealed record ModuleTypeSpec(
    string FullName,
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string Name,
    string? BaseModuleType,
    EquatableArray<MemberSpec> Members);

/// <summary>A [ShardedModel] root and every custom module type reachable from it, sorted by name.</summary>
internal sealed partial record ModelSpec(
    string FullName,
    string MetadataName,
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string Name,
    LocationInfo? Location,
    EquatableArray<ModuleTypeSpec> ModuleTypes,
    EquatableArray<string> IgnoredKeys);

/// <summary>What parsing one [ShardedModel] class yields: the model (when it can be generated) and diagnostics.</summary>
internal sealed record ParseResult(string MetadataName, ModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
