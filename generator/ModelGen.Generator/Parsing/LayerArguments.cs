using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Finds where a layer field is created (its initializer and assignments in the constructors of its class) and
/// evaluates boolean constructor arguments such as <c>hasBias: false</c>, so an optional tensor that a constant
/// argument turns off gets no key.
/// </summary>
internal sealed class LayerArguments
{
    private readonly List<(IMethodSymbol Method, ArgumentListSyntax? Arguments, SemanticModel Model)> _creations = new();

    private LayerArguments(bool complete) => Complete = complete;

    /// <summary>False when the field is created somewhere the generator does not look, so presence stays a run-time question.</summary>
    public bool Complete { get; private set; }

    public static LayerArguments Find(IFieldSymbol field, Compilation compilation)
    {
        var result = new LayerArguments(complete: true);
        foreach (SyntaxReference reference in field.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer: { } initializer })
            {
                result.Add(initializer.Value, compilation.GetSemanticModel(initializer.SyntaxTree));
            }
        }
        foreach (IMethodSymbol constructor in field.ContainingType.InstanceConstructors)
        {
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                SyntaxNode body = reference.GetSyntax();
                SemanticModel? model = null;
                foreach (AssignmentExpressionSyntax assignment in body.DescendantNodes().OfType<AssignmentExpressionSyntax>())
                {
                    string? name = assignment.Left switch
                    {
                        IdentifierNameSyntax id => id.Identifier.ValueText,
                        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var n } => n.Identifier.ValueText,
                        _ => null,
                    };
                    if (name != field.Name) continue;
                    model ??= compilation.GetSemanticModel(body.SyntaxTree);
                    if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left).Symbol, field)) continue;
                    result.Add(assignment.Right, model);
                }
            }
        }
        if (result._creations.Count == 0) result.Complete = false;
        return result;
    }

    /// <summary>Presence of a tensor enabled when every named boolean argument is true.</summary>
    public Presence Evaluate(IReadOnlyList<string> enabledBy)
    {
        if (enabledBy.Count == 0) return Presence.Always;
        if (!Complete) return Presence.Runtime;
        bool anyOn = false, anyOff = false;
        foreach (var creation in _creations)
        {
            bool? on = true;
            foreach (string parameter in enabledBy)
            {
                bool? value = ValueOf(creation.Method, creation.Arguments, creation.Model, parameter);
                if (value == false) { on = false; break; }
                if (value is null) on = null;
            }
            if (on is null) return Presence.Runtime;
            if (on.Value) anyOn = true; else anyOff = true;
        }
        return anyOn && anyOff ? Presence.Runtime : anyOn ? Presence.Always : Presence.Never;
    }

    private void Add(ExpressionSyntax expression, SemanticModel model)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax p: expression = p.Expression; continue;
                case CastExpressionSyntax c: expression = c.Expression; continue;
                case PostfixUnaryExpressionSyntax { OperatorToken.ValueText: "!" } s: expression = s.Operand; continue;
            }
            break;
        }
        ArgumentListSyntax? arguments = expression switch
        {
            InvocationExpressionSyntax invocation => invocation.ArgumentList,
            BaseObjectCreationExpressionSyntax creation => creation.ArgumentList,
            _ => null,
        };
        if (model.GetSymbolInfo(expression).Symbol is IMethodSymbol method && (arguments is not null || expression is BaseObjectCreationExpressionSyntax))
        {
            _creations.Add((method, arguments, model));
        }
        else
        {
            // Created by something the generator cannot evaluate (a helper method's result, a conditional, ...).
            Complete = false;
        }
    }

    private static bool? ValueOf(IMethodSymbol method, ArgumentListSyntax? arguments, SemanticModel model, string parameterName)
    {
        IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == parameterName);
        if (parameter is null) return null;
        if (arguments is not null)
        {
            int position = 0;
            foreach (ArgumentSyntax argument in arguments.Arguments)
            {
                bool matches = argument.NameColon is { } nameColon
                    ? nameColon.Name.Identifier.ValueText == parameterName
                    : position == parameter.Ordinal;
                if (argument.NameColon is null) position++;
                if (!matches) continue;
                Optional<object?> constant = model.GetConstantValue(argument.Expression);
                return constant.HasValue && constant.Value is bool b ? b : null;
            }
        }
        return parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is bool d ? d : null;
    }
}
