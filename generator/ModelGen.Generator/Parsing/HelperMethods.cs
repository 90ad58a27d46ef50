using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Sees through a helper method of the user's that creates a layer or module (<c>proj = Projection(4, 4)</c> with
/// <c>Linear Projection(int i, int o) =&gt; nn.Linear(i, o)</c>): the expression it returns, when its body returns one
/// expression (an expression body, or a single <c>return</c> of a creation or of a local initialized with one).
/// </summary>
internal static class HelperMethods
{
    /// <summary>How many helpers calling helpers are followed.</summary>
    public const int MaxDepth = 4;

    /// <summary>The expression the helper invoked by <paramref name="call"/> returns, and the helper; null when it is not such a helper.</summary>
    public static (ExpressionSyntax Returned, IMethodSymbol Method)? Returned(InvocationExpressionSyntax call, SemanticModels models)
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
            ExpressionSyntax? returned = declaration.ExpressionBody?.Expression ?? SingleReturn(declaration.Body);
            if (returned is not null) return (DimEvaluator.Unwrap(returned), method);
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

    /// <summary>The one <c>return</c> of a block (not counting lambdas and local functions), resolved through a local it returns.</summary>
    private static ExpressionSyntax? SingleReturn(BlockSyntax? body)
    {
        if (body is null) return null;
        var returns = body.DescendantNodes(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax))
            .OfType<ReturnStatementSyntax>().ToList();
        if (returns.Count != 1 || returns[0].Expression is not { } returned) return null;
        if (DimEvaluator.Unwrap(returned) is not IdentifierNameSyntax { Identifier.ValueText: var name }) return returned;
        var declarators = body.DescendantNodes().OfType<VariableDeclaratorSyntax>().Where(v => v.Identifier.ValueText == name).ToList();
        bool reassigned = body.DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Any(a => a.Left is IdentifierNameSyntax { Identifier.ValueText: var assigned } && assigned == name);
        return declarators.Count == 1 && declarators[0].Initializer is { } initializer && !reassigned ? initializer.Value : null;
    }
}
