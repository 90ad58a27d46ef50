using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Resolves the names that appear in layer arguments from syntax and declarations alone (constructor parameters,
/// locals, the module's own members, properties of a parameter's type, TorchSharp dtypes), without binding method
/// bodies: the parse step runs after every edit, and binding is its costly part. Null means "ask the semantic model".
/// </summary>
internal static class SyntacticNames
{
    private static readonly System.Collections.Generic.HashSet<string> s_scalarTypes = new(System.StringComparer.Ordinal)
    {
        "Byte", "Int8", "Int16", "Int32", "Int64", "Float16", "Float32", "Float64", "ComplexFloat16", "ComplexFloat32",
        "ComplexFloat64", "Bool", "QInt8", "QUInt8", "QInt32", "BFloat16",
    };

    /// <summary>A parameter of an enclosing lambda (an entry index, never a size the generator knows).</summary>
    public static bool IsLambdaParameter(SyntaxNode node, string name)
    {
        for (SyntaxNode? n = node.Parent; n is not null && n is not MemberDeclarationSyntax; n = n.Parent)
        {
            switch (n)
            {
                case SimpleLambdaExpressionSyntax simple when simple.Parameter.Identifier.ValueText == name:
                case ParenthesizedLambdaExpressionSyntax paren when paren.ParameterList.Parameters.Any(p => p.Identifier.ValueText == name):
                    return true;
            }
        }
        return false;
    }

    /// <summary>A local declared before <paramref name="node"/> in an enclosing block of the same member.</summary>
    public static VariableDeclaratorSyntax? Local(SyntaxNode node, string name)
    {
        for (SyntaxNode? n = node.Parent; n is not null && n is not MemberDeclarationSyntax; n = n.Parent)
        {
            if (n is not BlockSyntax block) continue;
            foreach (StatementSyntax statement in block.Statements)
            {
                if (statement.SpanStart >= node.SpanStart) break;
                if (statement is LocalDeclarationStatementSyntax local)
                {
                    VariableDeclaratorSyntax? found = local.Declaration.Variables.FirstOrDefault(v => v.Identifier.ValueText == name);
                    if (found is not null) return found;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The <c>ScalarType</c> member named by <c>ScalarType.Float16</c> or <c>torch.float16</c>; empty for a
    /// TorchSharp dtype alias the generator does not know; null when the expression is not a dtype.
    /// </summary>
    public static string? DType(string left, string member)
    {
        if (left is "ScalarType" or "torch.ScalarType" or "TorchSharp.torch.ScalarType")
            return s_scalarTypes.Contains(member) ? member : "";
        if (left is "torch" or "TorchSharp.torch" && member.Length > 0 && char.IsLower(member[0]))
            return DimEvaluator.TorchDTypeAlias(member);
        return null;
    }

    /// <summary>The symbol a simple name or member access refers to, found through declarations only; null when unsure.</summary>
    public static ISymbol? Symbol(ExpressionSyntax e, INamedTypeSymbol owner)
    {
        switch (e)
        {
            case IdentifierNameSyntax id:
            {
                string name = id.Identifier.ValueText;
                if (ConstructorParameter(id, name, owner) is { } parameter) return parameter;
                if (Local(id, name) is not null || IsLambdaParameter(id, name)) return null;
                return Member(owner, name);
            }
            case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var n }:
                return Member(owner, n.Identifier.ValueText);
            case MemberAccessExpressionSyntax { Expression: var left, Name: var n }:
            {
                ITypeSymbol? type = Symbol(left, owner) switch
                {
                    IParameterSymbol p => p.Type,
                    IFieldSymbol { IsStatic: false } f => f.Type,
                    IPropertySymbol { IsStatic: false } p => p.Type,
                    _ => null,
                };
                return type is null ? null : Member(type, n.Identifier.ValueText);
            }
            default:
                return null;
        }
    }

    /// <summary>A parameter of the constructor of <paramref name="owner"/> that encloses <paramref name="node"/>.</summary>
    private static IParameterSymbol? ConstructorParameter(SyntaxNode node, string name, INamedTypeSymbol owner)
    {
        ConstructorDeclarationSyntax? declaration = node.FirstAncestorOrSelf<ConstructorDeclarationSyntax>();
        if (declaration is null || declaration.ParameterList.Parameters.All(p => p.Identifier.ValueText != name)) return null;
        foreach (IMethodSymbol constructor in owner.InstanceConstructors)
        {
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == declaration.SyntaxTree && reference.Span == declaration.Span)
                    return constructor.Parameters.FirstOrDefault(p => p.Name == name);
            }
        }
        return null;
    }

    /// <summary>A field or property named <paramref name="name"/> of the type or its bases.</summary>
    private static ISymbol? Member(ITypeSymbol type, string name)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers(name))
            {
                if (member is IFieldSymbol or IPropertySymbol) return member;
            }
        }
        return null;
    }
}
