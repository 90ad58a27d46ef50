using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>A module list on the path to a key: its pattern prefix (ending in <c>{i}</c>), its enclosing list's prefix, and the field that declares it.</summary>
internal sealed record ListAnchor(string Prefix, string? ParentPrefix, string Member, LocationInfo? Location);

/// <summary>One key pattern of a model and what holds it.</summary>
internal sealed record KeyEntry(
    string Pattern,
    SlotKind Kind,
    string Owner,
    string? InitDescription,
    bool Optional,
    string? TiedTo,
    bool Computed,
    string Member,
    LocationInfo? Location,
    EquatableArray<ListAnchor> Lists)
{
    /// <summary>The user declared the tensor new (an [Initializer]): a checkpoint that lacks it is never reported.</summary>
    public bool DeclaredNew { get; init; }
}

/// <summary>A module, list, dictionary or layer field on the path to keys: its pattern prefix and where it is declared.</summary>
internal sealed record ContainerAnchor(string Prefix, LocationInfo? Location);

/// <summary>A model's flattened key table (in generated order) and the problems found while building it.</summary>
internal sealed record KeyTable(
    string ModelName,
    EquatableArray<KeyEntry> Entries,
    EquatableArray<string> IgnoredKeys,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The fields that hold other keys, by pattern prefix, first declaration first: where a whole missing container is reported.</summary>
    public EquatableArray<ContainerAnchor> Containers { get; init; } = EquatableArray<ContainerAnchor>.Empty;

    /// <summary>The effective key policy: the model's attribute over the project's MSBuild properties over the default.</summary>
    public KeyPolicy Policy { get; init; } = KeyPolicy.Default;
}
