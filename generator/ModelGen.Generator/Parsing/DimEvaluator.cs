using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Evaluates a constructor argument of a layer or module at build time into a <see cref="DimExpr"/>: literals,
/// constants, arithmetic, the module's own constructor parameters (bound later by whoever creates the module),
/// properties of those (<c>config.HiddenSize</c>), locals and the module's own fields assigned once in its
/// constructor, tuples, arrays and collection expressions (and their elements and lengths), loop variables of the
/// iteration being evaluated, and TorchSharp element types. Anything else is opaque.
/// </summary>
internal sealed class DimEvaluator
{
    private const int MaxDepth = 8;
    private const string JsonPropertyNameAttribute = "System.Text.Json.Serialization.JsonPropertyNameAttribute";

    private readonly SemanticModels _models;
    private readonly INamedTypeSymbol _owner;
    private readonly IMethodSymbol? _helper;
    private readonly Dictionary<string, DimExpr>? _helperArguments;
    private readonly string? _loopVariable;
    private readonly DimExpr? _loopValue;

    public DimEvaluator(SemanticModels models, INamedTypeSymbol owner)
    {
        _models = models;
        _owner = owner;
    }

    private DimEvaluator(SemanticModels models, INamedTypeSymbol owner, IMethodSymbol? helper, Dictionary<string, DimExpr>? arguments,
        string? loopVariable, DimExpr? loopValue)
        : this(models, owner)
    {
        _helper = helper;
        _helperArguments = arguments;
        _loopVariable = loopVariable;
        _loopValue = loopValue;
    }

    /// <summary>An evaluator for the body of a helper method, whose parameters take the values a call gave them.</summary>
    public DimEvaluator ForHelper(IMethodSymbol helper, Dictionary<string, DimExpr> arguments) => new(_models, _owner, helper, arguments, null, null);

    /// <summary>
    /// An evaluator for one iteration of a loop in the same member: <paramref name="variable"/> (the loop variable)
    /// takes <paramref name="value"/>, an opaque value when the iteration is not known.
    /// </summary>
    public DimEvaluator ForIteration(string variable, DimExpr value) => new(_models, _owner, _helper, _helperArguments, variable, value);

    public DimExpr Evaluate(ExpressionSyntax expression) => Evaluate(expression, 0);

    /// <summary>Strips parentheses, casts, <c>checked(...)</c> and null-forgiving operators, which do not change a value.</summary>
    public static ExpressionSyntax Unwrap(ExpressionSyntax expression)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax p: expression = p.Expression; continue;
                case CastExpressionSyntax c: expression = c.Expression; continue;
                case CheckedExpressionSyntax c: expression = c.Expression; continue;
                case PostfixUnaryExpressionSyntax { OperatorToken.ValueText: "!" } s: expression = s.Operand; continue;
            }
            return expression;
        }
    }

    private DimExpr Evaluate(ExpressionSyntax original, int depth)
    {
        ExpressionSyntax e = Unwrap(original);
        string text = e.ToString();
        LocationInfo? location = LocationInfo.FromSyntax(e);
        if (depth > MaxDepth) return DimExpr.Opaque(text, location);
        switch (e)
        {
            case LiteralExpressionSyntax literal:
                return literal.Token.Value switch
                {
                    int i => DimExpr.Constant(i, text, location),
                    long l => DimExpr.Constant(l, text, location),
                    uint u => DimExpr.Constant(u, text, location),
                    bool b => DimExpr.Constant(b ? 1 : 0, text, location),
                    _ => DimExpr.Opaque(text, location),
                };
            case PrefixUnaryExpressionSyntax { OperatorToken.ValueText: "-" } negated:
            {
                DimExpr operand = Evaluate(negated.Operand, depth + 1);
                return operand.IsConstant ? DimExpr.Constant(-operand.Value, text, location) : DimExpr.Opaque(text, location);
            }
            case BinaryExpressionSyntax binary:
            {
                DimKind? kind = binary.Kind() switch
                {
                    SyntaxKind.AddExpression => DimKind.Add,
                    SyntaxKind.SubtractExpression => DimKind.Subtract,
                    SyntaxKind.MultiplyExpression => DimKind.Multiply,
                    SyntaxKind.DivideExpression => DimKind.Divide,
                    _ => null,
                };
                if (kind is null) return DimExpr.Opaque(text, location);
                return DimArithmetic.Combine(kind.Value, Evaluate(binary.Left, depth + 1), Evaluate(binary.Right, depth + 1), text, location);
            }
            case TupleExpressionSyntax tuple:
                return DimExpr.Of(DimKind.Tuple, "", text, location, tuple.Arguments.Select(a => Evaluate(a.Expression, depth + 1)).ToArray());
            case ArrayCreationExpressionSyntax { Initializer: { } initializer }:
                return DimExpr.Of(DimKind.Tuple, "", text, location, initializer.Expressions.Select(x => Evaluate(x, depth + 1)).ToArray());
            case ImplicitArrayCreationExpressionSyntax implicitArray:
                return DimExpr.Of(DimKind.Tuple, "", text, location, implicitArray.Initializer.Expressions.Select(x => Evaluate(x, depth + 1)).ToArray());
            case CollectionExpressionSyntax collection:
                return Collection(collection, text, location, depth);
            case ElementAccessExpressionSyntax { ArgumentList.Arguments: { Count: 1 } index } access:
            {
                // widths[i] on a known array, with a known index (a loop variable in one iteration).
                DimExpr target = Evaluate(access.Expression, depth + 1);
                DimExpr at = Evaluate(index[0].Expression, depth + 1);
                return target.Kind == DimKind.Tuple && at.IsConstant && at.Value >= 0 && at.Value < target.Operands.Count
                    ? target.Operands[(int)at.Value] with { Text = text, Location = location }
                    : DimExpr.Opaque(text, location);
            }
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" or "Count" } count
                when Evaluate(count.Expression, depth + 1) is { Kind: DimKind.Tuple } known:
                return DimExpr.Constant(known.Operands.Count, text, location);
            case IdentifierNameSyntax { Identifier.ValueText: var name } id when name == _loopVariable && !SyntacticNames.IsLambdaParameter(id, name):
                return _loopValue!;
            case IdentifierNameSyntax:
            case MemberAccessExpressionSyntax:
                return Name(e, text, location, depth);
            default:
                return DimExpr.Opaque(text, location);
        }
    }

    /// <summary>
    /// A C# 12 collection expression (<c>[4, 8]</c>): its elements in order; a spread (<c>[.. dims, 8]</c>) of a known
    /// array contributes its elements. Anything else in it makes the whole opaque.
    /// </summary>
    private DimExpr Collection(CollectionExpressionSyntax collection, string text, LocationInfo? location, int depth)
    {
        var elements = new List<DimExpr>();
        foreach (CollectionElementSyntax element in collection.Elements)
        {
            switch (element)
            {
                case ExpressionElementSyntax single:
                    elements.Add(Evaluate(single.Expression, depth + 1));
                    break;
                case SpreadElementSyntax spread when Evaluate(spread.Expression, depth + 1) is { Kind: DimKind.Tuple } spreadValue:
                    elements.AddRange(spreadValue.Operands);
                    break;
                default:
                    return DimExpr.Opaque(text, location);
            }
        }
        return DimExpr.Of(DimKind.Tuple, "", text, location, elements.ToArray());
    }

    private DimExpr Name(ExpressionSyntax e, string text, LocationInfo? location, int depth)
    {
        if (e is IdentifierNameSyntax id)
        {
            string name = id.Identifier.ValueText;
            if (SyntacticNames.IsLambdaParameter(id, name)) return DimExpr.Opaque(text, location);
            if (SyntacticNames.Local(id, name) is { Initializer: { } local }) return Evaluate(local.Value, depth + 1);
        }
        if (e is MemberAccessExpressionSyntax { Expression: var left, Name.Identifier.ValueText: var member } && SyntacticNames.DType(left.ToString(), member) is { } known)
        {
            return known.Length == 0 ? DimExpr.Opaque(text, location) : DimExpr.Of(DimKind.DType, known, text, location);
        }
        // Declaration-level lookups first: binding a member body is the costly part of parsing, which runs after every edit.
        ISymbol? symbol = SyntacticNames.Symbol(e, _owner) ?? _models.For(e.SyntaxTree).GetSymbolInfo(e).Symbol;
        if (symbol is IFieldSymbol { IsConst: true } or ILocalSymbol { IsConst: true } || symbol is IFieldSymbol { ContainingType.TypeKind: TypeKind.Enum })
        {
            if (symbol is IFieldSymbol { ContainingType: { TypeKind: TypeKind.Enum } enumType } enumField)
            {
                return IsScalarType(enumType) ? DimExpr.Of(DimKind.DType, enumField.Name, text, location) : DimExpr.Opaque(text, location);
            }
            object? constant = symbol switch
            {
                IFieldSymbol { HasConstantValue: true } f => f.ConstantValue,
                ILocalSymbol { HasConstantValue: true } l => l.ConstantValue,
                _ => null,
            };
            if (ToLong(constant) is { } value) return DimExpr.Constant(value, text, location);
            return DimExpr.Opaque(text, location);
        }
        switch (symbol)
        {
            case IParameterSymbol parameter when _helper is not null && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _helper):
                return _helperArguments!.TryGetValue(parameter.Name, out DimExpr? bound) ? bound : DimExpr.Opaque(text, location);
            case IParameterSymbol parameter when parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
                                                 && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, _owner):
                return DimExpr.Of(DimKind.Parameter, parameter.Name, text, location);
            case IFieldSymbol { IsStatic: true, Type: INamedTypeSymbol fieldType } field when IsScalarType(fieldType) && WellKnownTypes.IsTorchSharpType(field.ContainingType):
                return TorchDTypeAlias(field.Name) is { } alias ? DimExpr.Of(DimKind.DType, alias, text, location) : DimExpr.Opaque(text, location);
            case ILocalSymbol local:
                foreach (SyntaxReference reference in local.DeclaringSyntaxReferences)
                {
                    // A for loop's variable changes every iteration: its initializer is only the first value.
                    if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer: { } init, Parent.Parent: not ForStatementSyntax }) return Evaluate(init.Value, depth + 1);
                }
                return DimExpr.Opaque(text, location);
            case IFieldSymbol or IPropertySymbol when !symbol.IsStatic && SymbolEqualityComparer.Default.Equals(symbol.ContainingType, _owner)
                                                   && (e is IdentifierNameSyntax || e is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax }):
                return OwnMember(symbol, text, location, depth);
            case IPropertySymbol or IFieldSymbol when !symbol.IsStatic && e is MemberAccessExpressionSyntax access:
            {
                DimExpr target = Evaluate(access.Expression, depth + 1);
                if (target.Kind is not (DimKind.Parameter or DimKind.Member)) return DimExpr.Opaque(text, location);
                return new DimExpr(DimKind.Member, 0, symbol.Name, JsonName(symbol), new[] { target }.ToEquatableArray(), text, location);
            }
            default:
                return DimExpr.Opaque(text, location);
        }
    }

    /// <summary>An own field or property of the module: its value when it is given once, in an initializer or a constructor.</summary>
    private DimExpr OwnMember(ISymbol member, string text, LocationInfo? location, int depth)
    {
        ExpressionSyntax? value = null;
        int count = 0;
        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            SyntaxNode node = reference.GetSyntax();
            ExpressionSyntax? initializer = node switch
            {
                VariableDeclaratorSyntax { Initializer: { } i } => i.Value,
                PropertyDeclarationSyntax { Initializer: { } i } => i.Value,
                _ => null,
            };
            if (initializer is not null) { value = initializer; count++; }
        }
        foreach (AssignmentExpressionSyntax assignment in _models.ConstructorAssignments(_owner, member.Name))
        {
            value = assignment.Right;
            count++;
        }
        return count == 1 && value is not null ? Evaluate(value, depth + 1) : DimExpr.Opaque(text, location);
    }

    private static string? JsonName(ISymbol member)
    {
        foreach (AttributeData attribute in member.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == JsonPropertyNameAttribute
                && attribute.ConstructorArguments.FirstOrDefault().Value is string name && name.Length > 0)
            {
                return name;
            }
        }
        return null;
    }

    internal static bool IsScalarType(INamedTypeSymbol type) =>
        type.Name == "ScalarType" && WellKnownTypes.IsTorchSharpType(type);

    /// <summary>The <c>ScalarType</c> member behind TorchSharp's lower-case aliases (<c>torch.float16</c>, <c>torch.half</c>, ...).</summary>
    internal static string? TorchDTypeAlias(string name) => name switch
    {
        "float16" or "half" => "Float16",
        "bfloat16" => "BFloat16",
        "float32" or "float" => "Float32",
        "float64" or "double" => "Float64",
        "int8" => "Int8",
        "uint8" => "Byte",
        "int16" or "short" => "Int16",
        "int32" or "int" => "Int32",
        "int64" or "long" => "Int64",
        "bool" => "Bool",
        "complex64" or "cfloat" => "ComplexFloat32",
        "complex128" or "cdouble" => "ComplexFloat64",
        _ => char.IsUpper(name[0]) ? name : null,
    };

    private static long? ToLong(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        uint u => u,
        ulong ul when ul <= long.MaxValue => (long)ul,
        _ => null,
    };

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
