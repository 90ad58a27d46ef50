using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Sees through a helper method of the user's that creates a layer or module (<c>proj = Projection(4, 4)</c> with
/// <c>Linear Projection(int i, int o) =&gt; nn.Linear(i, o)</c>): the expressions it returns, from an expression body or
/// from every <c>return</c> of a block body (each a creation, or a local initialized with one), so callers can tell
/// whether all the ways out agree.
/// </summary>
internal static class HelperMethods
{
    /// <summary>How many helpers calling helpers are followed.</summary>
    public const int MaxDepth = 4;

    /// <summary>How many returned expressions are followed in all, across helpers calling helpers.</summary>
    public const int MaxReturns = 16;

    /// <summary>
    /// The expressions the helper invoked by <paramref name="call"/> returns (in source order), and the helper; null
    /// when it is not such a helper (no source, no <c>return</c> with a value, a TorchSharp method).
    /// </summary>
    public static (IReadOnlyList<ExpressionSyntax> Returned, IMethodSymbol Method)? Returned(InvocationExpressionSyntax call, SemanticModels models)
    {
        // TorchSharp's factories (nn.Linear, torch.zeros) are never helpers: skip binding them, the costly part of parsing.
        if (call.Expression is MemberAccessExpressionSyntax { Expression: var target }
            && (target is not (ThisExpressionSyntax or IdentifierNameSyntax) || target.ToString() is "nn" or "torch")) return null;
        if (call.Expression is not (IdentifierNameSyntax or GenericNameSyntax or MemberAccessExpressionSyntax)) return null;
        if (models.For(call.SyntaxTree).GetSymbolInfo(call).Symbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method
            || WellKnownTypes.IsTorchSharpType(method.ContainingType)) return null;
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not MethodDeclarationSyntax declaration) continue;
            if (declaration.ExpressionBody?.Expression is { } body) return (new[] { DimEvaluator.Unwrap(body) }, method);
            IReadOnlyList<ExpressionSyntax>? returns = Returns(declaration.Body);
            if (returns is not null) return (returns, method);
        }
        return null;
    }
    /// <summary>
    /// The values a call gives the helper's parameters, by name: each argument evaluated where the call is, or the
    /// parameter's constant default.
    /// </summary>
    public static Dictionary<string, DimExpr> Bind(InvocationExpressionSyntax call, IMethodSymbol method, DimEvaluator caller)
    {
        var values = new Dictionary<string, DimExpr>(System.StringComparer.Ordinal);
        int position = 0;
        foreach (ArgumentSyntax argument in call.ArgumentList.Arguments)
        {
            IParameterSymbol? parameter = argument.NameColon is { } nameColon
                ? method.Parameters.FirstOrDefault(p => p.Name == nameColon.Name.Identifier.ValueText)
                : position < method.Parameters.Length ? method.Parameters[position] : null;
            if (argument.NameColon is null) position++;
            if (parameter is null || parameter.IsParams) continue;
            values[parameter.Name] = caller.Evaluate(argument.Expression);
        }
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (values.ContainsKey(parameter.Name) || !parameter.HasExplicitDefaultValue) continue;
            switch (parameter.ExplicitDefaultValue)
            {
                case int i: values[parameter.Name] = DimExpr.Constant(i, DimEvaluator.Invariant(i), null); break;
                case long l: values[parameter.Name] = DimExpr.Constant(l, DimEvaluator.Invariant(l), null); break;
                case bool b: values[parameter.Name] = DimExpr.Constant(b ? 1 : 0, b ? "true" : "false", null); break;
            }
        }
        return values;
    }

    /// <summary>
    /// Every <c>return</c> of a block (not counting lambdas and local functions), each resolved through a local it
    /// returns when that local is initialized once and never reassigned; null when the block returns no value.
    /// </summary>
    private static IReadOnlyList<ExpressionSyntax>? Returns(BlockSyntax? body)
    {
        if (body is null) return null;
        var returns = body.DescendantNodes(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax))
            .OfType<ReturnStatementSyntax>().ToList();
        if (returns.Count == 0 || returns.Any(r => r.Expression is null)) return null;
        var result = new List<ExpressionSyntax>(returns.Count);
        foreach (ReturnStatementSyntax statement in returns) result.Add(DimEvaluator.Unwrap(ThroughLocal(body, statement.Expression!)));
        return result;
    }

    /// <summary>The initializer of the local <paramref name="returned"/> names, or the expression itself.</summary>
    private static ExpressionSyntax ThroughLocal(BlockSyntax body, ExpressionSyntax returned)
    {
        if (DimEvaluator.Unwrap(returned) is not IdentifierNameSyntax { Identifier.ValueText: var name }) return returned;
        var declarators = body.DescendantNodes().OfType<VariableDeclaratorSyntax>().Where(v => v.Identifier.ValueText == name).ToList();
        bool reassigned = body.DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Any(a => a.Left is IdentifierNameSyntax { Identifier.ValueText: var assigned } && assigned == name);
        return declarators.Count == 1 && declarators[0].Initializer is { } initializer && !reassigned ? initializer.Value : returned;
    }
}
