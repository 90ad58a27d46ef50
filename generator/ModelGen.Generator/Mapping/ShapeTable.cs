using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// One key pattern of a model with its shape in terms of the model's own values: <see cref="Dims"/> when every
/// argument it depends on was evaluated (constants, symbols, arithmetic), otherwise <see cref="Unknown"/> says why.
/// <see cref="DType"/> is the element type the model creates it with, when the source says so.
/// </summary>
internal sealed record ShapedKey(
    string Pattern,
    EquatableArray<DimExpr> Dims,
    string? Unknown,
    DimExpr? DType,
    string Member,
    LocationInfo? Location);

/// <summary>A module list: its pattern prefix (ending in <c>{i}</c>), how many entries the model creates, and where it is created.</summary>
internal sealed record ShapedList(string Prefix, int Depth, DimExpr? Length, string Member, LocationInfo? Location);

/// <summary>The shapes of a model's keys and the lengths of its module lists, ready to be compared with a checkpoint.</summary>
internal sealed record ShapeTable(
    string ModelName,
    LocationInfo? ModelLocation,
    EquatableArray<ShapedKey> Keys,
    EquatableArray<ShapedList> Lists);
