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
    private readonly INamedTypeSymbol _owner;
    private readonly ITypeSymbol? _fieldType;

    private LayerArguments(SemanticModels models, INamedTypeSymbol owner, ITypeSymbol? fieldType)
    {
        _models = models;
        _owner = owner;
        _fieldType = fieldType;
        Complete = true;
    }

    /// <summary>False when the field is created somewhere the generator does not look, so presence stays a run-time question.</summary>
    public bool Complete { get; private set; }

    public static LayerArguments Find(IFieldSymbol field, SemanticModels models)
    {
        var result = new LayerArguments(models, field.ContainingType, field.Type);
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
    public static LayerArguments ForCreation(ExpressionSyntax expression, INamedTypeSymbol owner, SemanticModels models)
    {
        var result = new LayerArguments(models, owner, fieldType: null);
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

    private void Add(ExpressionSyntax expression, int helperDepth = 0, DimEvaluator? helperBody = null)
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
            // A helper method of the user's: every creation it returns decides (nn.Linear's default hasBias), with the
            // helper's parameters taking the call's values (Proj(h, h, false) with hasBias: bias).
            case InvocationExpressionSyntax invocation when helperDepth < HelperMethods.MaxDepth && HelperMethods.Returned(invocation, _models) is { } helper:
            {
                DimEvaluator caller = helperBody ?? new DimEvaluator(_models, _owner);
                DimEvaluator body = caller.ForHelper(helper.Method, HelperMethods.Bind(invocation, helper.Method, caller));
                foreach (ExpressionSyntax returned in helper.Returned) Add(returned, helperDepth + 1, body);
                break;
            }
            case InvocationExpressionSyntax invocation: _creations.Add(new Creation(expression, invocation.ArgumentList, null, helperBody)); break;
            // A target-typed new(...) written at the field creates the field's type; one inside a helper creates the helper's return type.
            case ImplicitObjectCreationExpressionSyntax creation when helperDepth == 0:
                _creations.Add(new Creation(expression, creation.ArgumentList, _fieldType as INamedTypeSymbol, null));
                break;
            case BaseObjectCreationExpressionSyntax creation: _creations.Add(new Creation(expression, creation.ArgumentList, null, helperBody)); break;
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
        if (creation.Method is null && FromDeclarations(creation, parameterName, out bool? declared)) return declared;
        if (creation.Method is null)
        {
            SemanticModel model = _models.For(creation.Expression.SyntaxTree);
            creation.Model = model;
            creation.Method = model.GetSymbolInfo(creation.Expression).Symbol as IMethodSymbol;
            if (creation.Method is null) return null;
        }
        return ValueOf(creation.Method, creation.Arguments, creation.Model!, parameterName, creation.HelperBody);
    }

    /// <summary>
    /// The value of a target-typed <c>new(...)</c>'s argument read from the created type's constructors, without
    /// binding the creation (which binds every argument, <c>device: torch.META</c> included, after every edit): decided
    /// when every constructor the argument count and names fit takes the parameter at one position and either the
    /// argument is a <c>true</c>/<c>false</c> literal or all of them have the same default. False when only binding can tell.
    /// </summary>
    private static bool FromDeclarations(Creation creation, string parameterName, out bool? value)
    {
        value = null;
        if (creation.Target is not { } type) return false;
        SeparatedSyntaxList<ArgumentSyntax> arguments = creation.Arguments?.Arguments ?? default;
        int positional = 0;
        var named = new List<string>();
        foreach (ArgumentSyntax argument in arguments)
        {
            if (!argument.RefKindKeyword.IsKind(SyntaxKind.None)) return false;
            if (argument.NameColon is { } nameColon) named.Add(nameColon.Name.Identifier.ValueText);
            else if (named.Count > 0) return false;
            else positional++;
        }
        if (type.InstanceConstructors.Any(c => c.Parameters.Any(p => p.IsParams))) return false;
        List<IMethodSymbol> candidates = type.InstanceConstructors.Where(c =>
            positional <= c.Parameters.Length
            && named.All(n => c.Parameters.Skip(positional).Any(p => p.Name == n))
            && c.Parameters.Skip(positional).All(p => p.HasExplicitDefaultValue || named.Contains(p.Name))).ToList();
        if (candidates.Count == 0) return false;

        IParameterSymbol? first = candidates[0].Parameters.FirstOrDefault(p => p.Name == parameterName);
        foreach (IMethodSymbol candidate in candidates)
        {
            IParameterSymbol? parameter = candidate.Parameters.FirstOrDefault(p => p.Name == parameterName);
            if ((parameter is null) != (first is null)) return false;
            if (parameter is not null && parameter.Ordinal != first!.Ordinal) return false;
        }
        if (first is null) return true;
        if (first.Ordinal < positional)
        {
            value = arguments[first.Ordinal].Expression.Kind() switch
            {
                SyntaxKind.TrueLiteralExpression => true,
                SyntaxKind.FalseLiteralExpression => false,
                _ => null,
            };
            return value is not null;
        }
        if (named.Contains(parameterName)) return false;
        bool? shared = DefaultOf(first);
        if (candidates.Any(c => DefaultOf(c.Parameters[first.Ordinal]) != shared)) return false;
        value = shared;
        return true;
    }

    private static bool? DefaultOf(IParameterSymbol parameter) =>
        parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is bool d ? d : null;

    /// <summary>One place the field is created; the invoked method is resolved only when a value needs it.</summary>
    private sealed class Creation
    {
        public Creation(ExpressionSyntax expression, ArgumentListSyntax? arguments, INamedTypeSymbol? target, DimEvaluator? helperBody)
        {
            Expression = expression;
            Arguments = arguments;
            Target = target;
            HelperBody = helperBody;
        }

        /// <summary>For a creation returned by a helper: evaluates its arguments with the helper's parameters bound to the call's values.</summary>
        public DimEvaluator? HelperBody { get; }

        public ExpressionSyntax Expression { get; }
        public ArgumentListSyntax? Arguments { get; }

        /// <summary>The type a target-typed <c>new(...)</c> creates (the field's), or null for any other creation.</summary>
        public INamedTypeSymbol? Target { get; }
        public IMethodSymbol? Method { get; set; }
        public SemanticModel? Model { get; set; }
    }

    private static bool? ValueOf(IMethodSymbol method, ArgumentListSyntax? arguments, SemanticModel model, string parameterName, DimEvaluator? helperBody)
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
                if (constant.HasValue) return constant.Value is bool b ? b : null;
                // Inside a helper, a parameter of the helper has the value its call passed.
                return helperBody?.Evaluate(argument.Expression) is { IsConstant: true } value ? value.Value != 0 : null;
            }
        }
        return parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is bool d ? d : null;
    }
}
