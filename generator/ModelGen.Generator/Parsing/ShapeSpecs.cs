using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>What a <see cref="DimExpr"/> is.</summary>
internal enum DimKind
{
    /// <summary>A known integer (<see cref="DimExpr.Value"/>).</summary>
    Constant,

    /// <summary>A constructor parameter of the module being parsed (<see cref="DimExpr.Name"/>), bound by whoever creates it.</summary>
    Parameter,

    /// <summary>A property or field (<see cref="DimExpr.Name"/>, JSON name in <see cref="DimExpr.JsonName"/>) of <see cref="DimExpr.Operands"/>[0].</summary>
    Member,

    /// <summary>A value nothing in the model decides (a root constructor argument or a property of one): unified against the checkpoint.</summary>
    Symbol,

    Add,
    Subtract,
    Multiply,
    Divide,

    /// <summary>Several values: a tuple such as a convolution's kernel size, or a shape array.</summary>
    Tuple,

    /// <summary>A TorchSharp element type (<see cref="DimExpr.Name"/> is the <c>ScalarType</c> member name).</summary>
    DType,

    /// <summary>Something the generator does not evaluate (a method call, a lambda parameter, ...).</summary>
    Opaque,
}

/// <summary>
/// A build-time expression for a constructor argument: a tensor dimension, a list length or an element type.
/// <see cref="Text"/> is what the source says (for messages), <see cref="Location"/> the expression that decides
/// the value, so a mismatch is reported where it can be fixed. For <see cref="DimKind.Symbol"/>,
/// <see cref="JsonName"/> is the dotted config.json path when every property on the way carries
/// <c>[JsonPropertyName]</c>.
/// </summary>
internal sealed record DimExpr(
    DimKind Kind,
    long Value,
    string Name,
    string? JsonName,
    EquatableArray<DimExpr> Operands,
    string Text,
    LocationInfo? Location)
{
    public static DimExpr Constant(long value, string text, LocationInfo? location) =>
        new(DimKind.Constant, value, "", null, EquatableArray<DimExpr>.Empty, text, location);

    public static DimExpr Opaque(string text, LocationInfo? location) =>
        new(DimKind.Opaque, 0, "", null, EquatableArray<DimExpr>.Empty, text, location);

    public static DimExpr Of(DimKind kind, string name, string text, LocationInfo? location, params DimExpr[] operands) =>
        new(kind, 0, name, null, operands.ToEquatableArray(), text, location);

    public bool IsConstant => Kind == DimKind.Constant;
}

/// <summary>A constructor argument by parameter name.</summary>
internal sealed record NamedDim(string Name, DimExpr Value);

/// <summary>
/// How a member is created, as far as the generator can evaluate it: the arguments of the layer or module
/// constructor (explicit or defaulted, by parameter name), the creation's location, and for module lists the
/// number of entries and the arguments each entry is created with. For tensor fields, the arguments hold
/// <c>shape</c> (a tuple) and <c>dtype</c>. <see cref="Complete"/> is false when the member is created in more
/// than one way or somewhere the generator does not look.
/// </summary>
internal sealed record CreationSpec(
    EquatableArray<NamedDim> Arguments,
    LocationInfo? Location,
    DimExpr? Length,
    bool Complete);
