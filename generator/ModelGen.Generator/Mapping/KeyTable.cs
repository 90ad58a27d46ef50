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
    EquatableArray<ListAnchor> Lists);

/// <summary>A model's flattened key table (in generated order) and the problems found while building it.</summary>
internal sealed record KeyTable(
    string ModelName,
    EquatableArray<KeyEntry> Entries,
    EquatableArray<string> IgnoredKeys,
    EquatableArray<DiagnosticInfo> Diagnostics);
