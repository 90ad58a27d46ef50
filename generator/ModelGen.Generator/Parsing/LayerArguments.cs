using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Finds where a layer field is created (its initializer and assignments in the constructors of its class) and
/// evaluates boolean constructor arguments such as <c>hasBias: false</c>, so an optional tensor that a constant
/// argument turns off gets no key.
/// </summary>
internal sealed class LayerArguments
{
    private readonly List<Creation> _creations = new();
    private readonly SemanticModels _models;

    private LayerArguments(SemanticModels models)
    {
        _models = models;
        Complete = true;
    }

    /// <summary>False when the field is created somewhere the generator does not look, so presence stays a run-time question.</summary>
    public bool Complete { get; private set; }

    public static LayerArguments Find(IFieldSymbol field, SemanticModels models)
    {
        var result = new LayerArguments(models);
        foreach (SyntaxReference reference in field.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer: { } initializer })
            {
                result.Add(initializer.Value);
            }
        }
        foreach (AssignmentExpressionSyntax assignment in models.ConstructorAssignments(field.ContainingType, field.Name))
        {
            SemanticModel model = models.For(assignment.SyntaxTree);
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left).Symbol, field)) continue;
            result.Add(assignment.Right);
        }
        if (result._creations.Count == 0) result.Complete = false;
        return result;
    }

    /// <summary>The arguments of one creation expression (a child of a <c>Sequential</c>, which has no field of its own).</summary>
    public static LayerArguments ForCreation(ExpressionSyntax expression, SemanticModels models)
    {
        var result = new LayerArguments(models);
        result.Add(expression);
        return result;
    }

    /// <summary>Presence of a tensor enabled when every named boolean argument is true.</summary>
    public Presence Evaluate(IReadOnlyList<string> enabledBy)
    {
        if (enabledBy.Count == 0) return Presence.Always;
        if (!Complete) return Presence.Runtime;
        bool anyOn = false, anyOff = false;
        foreach (Creation creation in _creations)
        {
            bool? on = true;
            foreach (string parameter in enabledBy)
            {
                bool? value = NamedLiteral(creation.Arguments, parameter) ?? ValueOf(creation, parameter);
                if (value == false) { on = false; break; }
                if (value is null) on = null;
            }
            if (on is null) return Presence.Runtime;
            if (on.Value) anyOn = true; else anyOff = true;
        }
        return anyOn && anyOff ? Presence.Runtime : anyOn ? Presence.Always : Presence.Never;
    }

    private void Add(ExpressionSyntax expression, int helperDepth = 0)
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
        switch (expression)
        {
            // A helper method of the user's that returns one creation: its arguments decide (nn.Linear's default hasBias).
            case InvocationExpressionSyntax invocation when helperDepth < HelperMethods.MaxDepth && HelperMethods.Returned(invocation, _models) is { } helper:
                Add(helper.Returned, helperDepth + 1);
                break;
            case InvocationExpressionSyntax invocation: _creations.Add(new Creation(expression, invocation.ArgumentList)); break;
            case BaseObjectCreationExpressionSyntax creation: _creations.Add(new Creation(expression, creation.ArgumentList)); break;
            // Created by something the generator cannot evaluate (a helper's result, a conditional, ...).
            default: Complete = false; break;
        }
    }

    /// <summary>
    /// <c>name: true</c>/<c>name: false</c> written as a literal decides without binding: binding is the costly part
    /// of parsing, and the parse step runs again after every edit.
    /// </summary>
    private static bool? NamedLiteral(ArgumentListSyntax? arguments, string parameterName)
    {
        if (arguments is null) return null;
        foreach (ArgumentSyntax argument in arguments.Arguments)
        {
            if (argument.NameColon?.Name.Identifier.ValueText != parameterName) continue;
            return argument.Expression.Kind() switch
            {
                SyntaxKind.TrueLiteralExpression => true,
                SyntaxKind.FalseLiteralExpression => false,
                _ => null,
            };
        }
        return null;
    }

    private bool? ValueOf(Creation creation, string parameterName)
    {
        if (creation.Method is null)
        {
            SemanticModel model = _models.For(creation.Expression.SyntaxTree);
            creation.Model = model;
            creation.Method = model.GetSymbolInfo(creation.Expression).Symbol as IMethodSymbol;
            if (creation.Method is null) return null;
        }
        return ValueOf(creation.Method, creation.Arguments, creation.Model!, parameterName);
    }

    /// <summary>One place the field is created; the invoked method is resolved only when a value needs it.</summary>
    private sealed class Creation
    {
        public Creation(ExpressionSyntax expression, ArgumentListSyntax? arguments)
        {
            Expression = expression;
            Arguments = arguments;
        }

        public ExpressionSyntax Expression { get; }
        public ArgumentListSyntax? Arguments { get; }
        public IMethodSymbol? Method { get; set; }
        public SemanticModel? Model { get; set; }
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
