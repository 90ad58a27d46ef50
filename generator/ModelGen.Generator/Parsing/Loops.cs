using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// The loops that fill a module list in a constructor: how many times they run, and the value of the loop variable
/// in each iteration, so an entry such as <c>nn.Linear(widths[i], 8)</c> is evaluated once per iteration.
/// </summary>
internal static class Loops
{
    /// <summary>
    /// Iterations evaluated one by one; a longer loop is evaluated once with its variable unknown, so a huge count
    /// costs nothing (its entries are then alike only when they do not depend on the variable).
    /// </summary>
    public const int MaxIterations = 256;

    /// <summary>The innermost <c>for</c> or <c>foreach</c> around <paramref name="node"/> in the same member, or null.</summary>
    public static StatementSyntax? Around(SyntaxNode node)
    {
        for (SyntaxNode? n = node.Parent; n is not null && n is not MemberDeclarationSyntax; n = n.Parent)
        {
            if (n is ForStatementSyntax or ForEachStatementSyntax) return (StatementSyntax)n;
        }
        return null;
    }

    /// <summary>
    /// Adds <paramref name="entry"/> once per iteration of <paramref name="loop"/> (each with an evaluator in which the
    /// loop variable has that iteration's value) and returns the number of iterations.
    /// </summary>
    public static DimExpr Iterate(StatementSyntax loop, DimEvaluator evaluator, ExpressionSyntax entry, List<(ExpressionSyntax, DimEvaluator)> entries)
    {
        (DimExpr count, string? variable, IReadOnlyList<DimExpr>? values) = loop switch
        {
            ForStatementSyntax f => For(f, evaluator),
            ForEachStatementSyntax f => ForEach(f, evaluator),
            _ => (DimExpr.Opaque(loop.ToString(), LocationInfo.FromSyntax(loop)), null, null),
        };
        StatementSyntax body = loop is ForStatementSyntax fs ? fs.Statement : ((ForEachStatementSyntax)loop).Statement;
        if (variable is null || !Mentions(body, variable))
        {
            entries.Add((entry, evaluator));
        }
        else if (values is not null)
        {
            foreach (DimExpr value in values) entries.Add((entry, evaluator.ForIteration(variable, value)));
        }
        else
        {
            entries.Add((entry, evaluator.ForIteration(variable, DimExpr.Opaque(variable, null))));
        }
        return count;
    }

    /// <summary><c>for (int i = 0; i &lt; n; i++)</c>: n iterations with i = 0 .. n - 1; opaque for any other loop.</summary>
    private static (DimExpr, string?, IReadOnlyList<DimExpr>?) For(ForStatementSyntax loop, DimEvaluator evaluator)
    {
        LocationInfo? location = LocationInfo.FromSyntax(loop.Condition ?? (SyntaxNode)loop);
        if (loop.Declaration?.Variables is { Count: 1 } variables
            && variables[0] is { Initializer.Value: LiteralExpressionSyntax { Token.Value: 0 } } variable
            && loop.Condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression, Left: IdentifierNameSyntax id } condition
            && id.Identifier.ValueText == variable.Identifier.ValueText
            && loop.Incrementors is { Count: 1 } incrementors
            && IsIncrement(incrementors[0], variable.Identifier.ValueText))
        {
            string name = variable.Identifier.ValueText;
            DimExpr count = evaluator.Evaluate(condition.Right);
            IReadOnlyList<DimExpr>? values = count is { IsConstant: true, Value: >= 0 and <= MaxIterations }
                ? Enumerable.Range(0, (int)count.Value).Select(i => DimExpr.Constant(i, name, null)).ToList()
                : null;
            return (count, name, values);
        }
        return (DimExpr.Opaque(loop.Condition?.ToString() ?? "for", location), loop.Declaration?.Variables.FirstOrDefault()?.Identifier.ValueText, null);
    }

    /// <summary><c>foreach (var w in widths)</c> over an array the evaluator knows: one iteration per element.</summary>
    private static (DimExpr, string?, IReadOnlyList<DimExpr>?) ForEach(ForEachStatementSyntax loop, DimEvaluator evaluator)
    {
        string name = loop.Identifier.ValueText;
        DimExpr collection = evaluator.Evaluate(loop.Expression);
        LocationInfo? location = LocationInfo.FromSyntax(loop.Expression);
        if (collection.Kind != DimKind.Tuple) return (DimExpr.Opaque(loop.Expression.ToString(), location), name, null);
        DimExpr count = DimExpr.Constant(collection.Operands.Count, DimEvaluator.Invariant(collection.Operands.Count), location);
        return (count, name, collection.Operands.Count <= MaxIterations ? collection.Operands.ToList() : null);
    }

    private static bool IsIncrement(ExpressionSyntax incrementor, string name) => incrementor switch
    {
        PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression, Operand: IdentifierNameSyntax id } => id.Identifier.ValueText == name,
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression, Operand: IdentifierNameSyntax id } => id.Identifier.ValueText == name,
        AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.AddAssignmentExpression, Left: IdentifierNameSyntax id, Right: LiteralExpressionSyntax { Token.Value: 1 } } => id.Identifier.ValueText == name,
        _ => false,
    };

    private static bool Mentions(SyntaxNode body, string name) =>
        body.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name);
}
