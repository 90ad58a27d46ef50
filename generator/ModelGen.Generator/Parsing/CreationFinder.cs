using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Finds how a member is created (its initializer and the assignments in its class's constructors) and evaluates
/// the arguments that decide shapes: layer and module constructor arguments by parameter name, module list lengths
/// (<c>Enumerable.Range(0, n).Select(...)</c>, <c>for</c> and <c>foreach</c> loops of <c>Add</c>, initializers,
/// collection expressions) with the arguments of each entry, and the size and dtype of tensor fields
/// (<c>torch.empty(a, b)</c>, <c>new Parameter(torch.zeros(...))</c>). Creations returned by the user's helper methods
/// are followed through every <c>return</c>.
/// </summary>
internal static class CreationFinder
{
    private static readonly HashSet<string> s_tensorFactories = new(System.StringComparer.Ordinal)
    {
        "empty", "zeros", "ones", "rand", "randn",
    };

    /// <summary>The member with its <see cref="MemberSpec.Creation"/> filled in.</summary>
    public static MemberSpec Attach(MemberSpec member, IFieldSymbol field, SemanticModels models)
    {
        var evaluator = new DimEvaluator(models, field.ContainingType);
        List<ExpressionSyntax> creations = Creations(field, models);
        if (creations.Count == 0) return member;
        CreationSpec? creation = member.Kind switch
        {
            MemberKind.Layer or MemberKind.Module => Call(creations, models, evaluator, field.Type),
            MemberKind.List or MemberKind.Dict => Container(creations, field, models, evaluator),
            // Their creations are read by the parser, child by child.
            MemberKind.Sequential or MemberKind.SequentialList => null,
            _ => Tensor(creations, models, evaluator),
        };
        return creation is null ? member : member with { Creation = creation };
    }

    /// <summary>The creation of a layer or module given as one expression (a child of a <c>Sequential</c>).</summary>
    public static CreationSpec ForExpression(ExpressionSyntax expression, INamedTypeSymbol owner, SemanticModels models) =>
        ForExpression(expression, new DimEvaluator(models, owner), models);

    /// <summary>The same, read with <paramref name="evaluator"/> (a list entry's, with its loop variable bound).</summary>
    public static CreationSpec ForExpression(ExpressionSyntax expression, DimEvaluator evaluator, SemanticModels models) =>
        Call(new List<ExpressionSyntax> { expression }, models, evaluator, expected: null)!;

    private static List<ExpressionSyntax> Creations(IFieldSymbol field, SemanticModels models)
    {
        var result = new List<ExpressionSyntax>();
        foreach (SyntaxReference reference in field.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer: { } initializer }) result.Add(initializer.Value);
        }
        foreach (AssignmentExpressionSyntax assignment in models.ConstructorAssignments(field.ContainingType, field.Name))
        {
            if (assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)) result.Add(assignment.Right);
        }
        return result;
    }

    /// <summary>A layer or custom module: the one creation's arguments by parameter name.</summary>
    private static CreationSpec? Call(List<ExpressionSyntax> creations, SemanticModels models, DimEvaluator evaluator, ITypeSymbol? expected)
    {
        ExpressionSyntax unwrapped = DimEvaluator.Unwrap(creations[0]);
        EquatableArray<NamedDim>? arguments = ArgumentsThroughHelpers(unwrapped, models, evaluator, expected, out ExpressionSyntax expression);
        if (arguments is null) return new CreationSpec(EquatableArray<NamedDim>.Empty, LocationInfo.FromSyntax(expression), null, Complete: false);
        bool complete = creations.Count == 1 || creations.Skip(1).All(c => ArgumentsThroughHelpers(c, models, evaluator, expected) is { } other && Same(other, arguments.Value));
        return new CreationSpec(complete ? arguments.Value : EquatableArray<NamedDim>.Empty, LocationInfo.FromSyntax(expression), null, complete);
    }

    /// <summary>
    /// The creations a chain of the user's helper methods returns (<see cref="HelperMethods"/>), every <c>return</c> of
    /// each, with an evaluator in which the helpers' parameters have the values the calls gave them; the expression
    /// itself when it is no helper call.
    /// </summary>
    private static List<(ExpressionSyntax Expression, DimEvaluator Evaluator)> ThroughHelpers(ExpressionSyntax expression, SemanticModels models, DimEvaluator evaluator)
    {
        var leaves = new List<(ExpressionSyntax, DimEvaluator)>();
        Collect(expression, evaluator, 0);
        return leaves;

        void Collect(ExpressionSyntax e, DimEvaluator inner, int depth)
        {
            if (depth < HelperMethods.MaxDepth && leaves.Count < HelperMethods.MaxReturns && e is InvocationExpressionSyntax call && TorchFactory(call) is null
                && HelperMethods.Returned(call, models) is { } helper)
            {
                DimEvaluator body = inner.ForHelper(helper.Method, HelperMethods.Bind(call, helper.Method, inner));
                foreach (ExpressionSyntax returned in helper.Returned) Collect(returned, body, depth + 1);
                return;
            }
            leaves.Add((e, inner));
        }
    }

    private static EquatableArray<NamedDim>? ArgumentsThroughHelpers(ExpressionSyntax creation, SemanticModels models, DimEvaluator evaluator, ITypeSymbol? expected) =>
        ArgumentsThroughHelpers(creation, models, evaluator, expected, out _);

    /// <summary>
    /// The arguments of what <paramref name="creation"/> creates, through helpers. When a helper returns in several
    /// ways, an argument all of them give alike keeps its value and one they disagree on is not known at build time
    /// (no return is picked); null when some return is not a creation the generator evaluates.
    /// </summary>
    private static EquatableArray<NamedDim>? ArgumentsThroughHelpers(ExpressionSyntax creation, SemanticModels models, DimEvaluator evaluator, ITypeSymbol? expected,
        out ExpressionSyntax first)
    {
        var leaves = ThroughHelpers(DimEvaluator.Unwrap(creation), models, evaluator);
        first = leaves[0].Expression;
        var all = new List<EquatableArray<NamedDim>>(leaves.Count);
        foreach (var (expression, inner) in leaves)
        {
            if (Arguments(expression, models, inner, expected) is not { } arguments) return null;
            all.Add(arguments);
        }
        return all.Count == 1 ? all[0] : ReturnMerge.Merge(HelperName(DimEvaluator.Unwrap(creation)), all);
    }

    /// <summary>The name of the method a call invokes, as written (<c>Proj</c> for <c>this.Proj(...)</c>).</summary>
    private static string HelperName(ExpressionSyntax call) => call is InvocationExpressionSyntax { Expression: var callee }
        ? callee switch
        {
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            SimpleNameSyntax name => name.Identifier.ValueText,
            _ => callee.ToString(),
        }
        : call.ToString();

    /// <summary>Two creations that evaluate to the same values (their locations may differ).</summary>
    internal static bool Same(EquatableArray<NamedDim> a, EquatableArray<NamedDim> b) =>
        a.Count == b.Count && a.Zip(b, (x, y) => x.Name == y.Name && x.Value.Kind == y.Value.Kind && x.Value.Value == y.Value.Value && x.Value.Text == y.Value.Text).All(s => s);

    /// <summary>
    /// Every parameter of the invoked constructor or factory: the argument given for it, or its default. The callee
    /// is found from declarations when that is unambiguous (TorchSharp's <c>nn.*</c> factories by their known
    /// signatures, constructors of the expected type by argument count), else by binding.
    /// </summary>
    private static EquatableArray<NamedDim>? Arguments(ExpressionSyntax expression, SemanticModels models, DimEvaluator evaluator, ITypeSymbol? expected)
    {
        ArgumentListSyntax? list = expression switch
        {
            InvocationExpressionSyntax invocation => invocation.ArgumentList,
            BaseObjectCreationExpressionSyntax creation => creation.ArgumentList,
            _ => null,
        };
        if (expression is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax)) return null;
        IReadOnlyList<CalleeParameter>? parameters = TorchFactory(expression) ?? Constructor(expression, list, expected);
        if (parameters is null)
        {
            // Constructors and TorchSharp's factories (nn.Linear, ...) only: a helper's parameters say nothing about what it creates.
            if (models.For(expression.SyntaxTree).GetSymbolInfo(expression).Symbol is not IMethodSymbol method
                || !(method.MethodKind == MethodKind.Constructor || WellKnownTypes.IsTorchSharpType(method.ContainingType))) return null;
            parameters = method.Parameters.Select(CalleeParameter.Of).ToList();
        }
        var byName = new Dictionary<string, DimExpr>(System.StringComparer.Ordinal);
        if (list is not null)
        {
            int position = 0;
            foreach (ArgumentSyntax argument in list.Arguments)
            {
                CalleeParameter? parameter = argument.NameColon is { } nameColon
                    ? parameters.FirstOrDefault(p => p.Name == nameColon.Name.Identifier.ValueText)
                    : position < parameters.Count ? parameters[position] : null;
                if (argument.NameColon is null) position++;
                if (parameter is null || parameter.IsParams || s_notSizes.Contains(parameter.Name)) continue;
                byName[parameter.Name] = evaluator.Evaluate(argument.Expression);
            }
        }
        var result = new List<NamedDim>();
        foreach (CalleeParameter parameter in parameters)
        {
            if (byName.TryGetValue(parameter.Name, out DimExpr? value)) result.Add(new NamedDim(parameter.Name, value));
            else if (parameter.HasDefault && Default(parameter.Default) is { } d) result.Add(new NamedDim(parameter.Name, d));
        }
        return result.ToEquatableArray();
    }

    /// <summary>
    /// TorchSharp layer arguments that never decide a shape or dtype: not evaluated, since resolving an expression
    /// such as <c>device: torch.META</c> would bind the whole initializer.
    /// </summary>
    private static readonly HashSet<string> s_notSizes = new(System.StringComparer.Ordinal)
    {
        "device", "eps", "momentum", "init", "padding_mode", "norm_type", "max_norm", "padding_idx", "scale_grad_by_freq",
        "sparse", "mode", "include_last_offset", "padding_index", "stride", "padding", "dilation", "output_padding",
    };

    /// <summary>A parameter of the invoked method: its name, whether it is <c>params</c>, and its default.</summary>
    private sealed class CalleeParameter
    {
        public CalleeParameter(string name, bool isParams, bool hasDefault, object? value)
        {
            Name = name;
            IsParams = isParams;
            HasDefault = hasDefault;
            Default = value;
        }

        public string Name { get; }
        public bool IsParams { get; }
        public bool HasDefault { get; }
        public object? Default { get; }

        public static CalleeParameter Of(IParameterSymbol p) =>
            new(p.Name, p.IsParams, p.HasExplicitDefaultValue, p.HasExplicitDefaultValue ? p.ExplicitDefaultValue : null);
    }

    /// <summary>The shape-relevant signature of TorchSharp 0.107's <c>nn.*</c> layer factories (positions as in every overload).</summary>
    private static readonly Dictionary<string, string[]> s_factories = new(System.StringComparer.Ordinal)
    {
        ["Linear"] = new[] { "inputSize", "outputSize", "hasBias", "device", "dtype" },
        ["Bilinear"] = new[] { "in1_features", "in2_features", "out_features", "hasBias", "device", "dtype" },
        ["Conv1d"] = Conv, ["Conv2d"] = Conv, ["Conv3d"] = Conv,
        ["ConvTranspose1d"] = ConvTranspose, ["ConvTranspose2d"] = ConvTranspose, ["ConvTranspose3d"] = ConvTranspose,
        ["LayerNorm"] = new[] { "normalized_shape", "eps", "elementwise_affine", "bias", "device", "dtype" },
        ["GroupNorm"] = new[] { "num_groups", "num_channels", "eps", "affine", "device", "dtype" },
        ["BatchNorm1d"] = Norm, ["BatchNorm2d"] = Norm, ["BatchNorm3d"] = Norm,
        ["InstanceNorm1d"] = Norm, ["InstanceNorm2d"] = Norm, ["InstanceNorm3d"] = Norm,
        ["PReLU"] = new[] { "num_parameters", "init", "device", "dtype" },
        ["Embedding"] = new[] { "num_embeddings", "embedding_dims", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq", "sparse", "device", "dtype" },
        ["EmbeddingBag"] = new[] { "num_embeddings", "embedding_dims", "max_norm", "norm_type", "scale_grad_by_freq", "mode", "sparse", "include_last_offset", "padding_index", "device", "dtype" },
    };

    private static string[] Conv => new[] { "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "padding_mode", "groups", "bias", "device", "dtype" };
    private static string[] ConvTranspose => new[] { "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "dilation", "padding_mode", "groups", "bias", "device", "dtype" };
    private static string[] Norm => new[] { "num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype" };

    private static IReadOnlyList<CalleeParameter>? TorchFactory(ExpressionSyntax expression)
    {
        if (expression is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } access }
            || access.Expression.ToString() is not ("nn" or "torch.nn" or "TorchSharp.torch.nn")
            || !s_factories.TryGetValue(name.Identifier.ValueText, out string[]? names)) return null;
        return names.Select(n => n switch
        {
            "groups" or "num_parameters" => new CalleeParameter(n, false, true, 1L),
            _ => new CalleeParameter(n, false, false, null),
        }).ToList();
    }

    /// <summary>
    /// The constructor of <paramref name="expected"/> that <c>new(...)</c> or <c>new T(...)</c> calls, when the argument
    /// count and names leave one candidate (or several with the same parameter names, such as RMSNorm's long and long[]).
    /// </summary>
    private static IReadOnlyList<CalleeParameter>? Constructor(ExpressionSyntax expression, ArgumentListSyntax? list, ITypeSymbol? expected)
    {
        if (expected is not INamedTypeSymbol type) return null;
        if (expression is ObjectCreationExpressionSyntax explicitNew && LastName(explicitNew.Type) != type.Name) return null;
        if (expression is not BaseObjectCreationExpressionSyntax) return null;
        int positional = list?.Arguments.Count(a => a.NameColon is null) ?? 0;
        var named = list?.Arguments.Where(a => a.NameColon is not null).Select(a => a.NameColon!.Name.Identifier.ValueText).ToList() ?? new List<string>();
        var candidates = type.InstanceConstructors.Where(c =>
            c.DeclaredAccessibility != Accessibility.Private
            && !c.Parameters.Any(p => p.IsParams)
            && positional <= c.Parameters.Length
            && named.All(n => c.Parameters.Skip(positional).Any(p => p.Name == n))
            && c.Parameters.Skip(positional).All(p => p.HasExplicitDefaultValue || named.Contains(p.Name))).ToList();
        if (candidates.Count == 0) return null;
        IMethodSymbol first = candidates[0];
        if (candidates.Skip(1).Any(c => !c.Parameters.Select(p => p.Name).SequenceEqual(first.Parameters.Select(p => p.Name)))) return null;
        return first.Parameters.Select(CalleeParameter.Of).ToList();
    }

    private static string LastName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax q => LastName(q.Right),
        GenericNameSyntax g => g.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        AliasQualifiedNameSyntax a => LastName(a.Name),
        _ => "",
    };

    private static DimExpr? Default(object? value) => value switch
    {
        int i => DimExpr.Constant(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), null),
        long l => DimExpr.Constant(l, DimEvaluator.Invariant(l), null),
        short h => DimExpr.Constant(h, DimEvaluator.Invariant(h), null),
        bool b => DimExpr.Constant(b ? 1 : 0, b ? "true" : "false", null),
        _ => null,
    };

    /// <summary>
    /// A module list's creation (its location and length) and the expression of each entry with the evaluator that
    /// reads it (loop variables bound per iteration): for a list whose entries the parser reads itself (<c>Sequential</c>
    /// blocks). Null when the list is not created in one place.
    /// </summary>
    public static (CreationSpec Creation, List<(ExpressionSyntax Expression, DimEvaluator Evaluator)> Entries)? ListEntries(IFieldSymbol field, SemanticModels models)
    {
        List<ExpressionSyntax> creations = Creations(field, models);
        if (creations.Count == 0) return null;
        var entries = new List<(ExpressionSyntax, DimEvaluator)>();
        CreationSpec creation = Container(creations, field, models, new DimEvaluator(models, field.ContainingType), entries)!;
        return (creation, entries);
    }

    /// <summary>A module list or dictionary: how many entries it gets and the arguments each entry is created with.</summary>
    private static CreationSpec? Container(List<ExpressionSyntax> creations, IFieldSymbol field, SemanticModels models, DimEvaluator evaluator) =>
        Container(creations, field, models, evaluator, new List<(ExpressionSyntax, DimEvaluator)>());

    private static CreationSpec? Container(List<ExpressionSyntax> creations, IFieldSymbol field, SemanticModels models, DimEvaluator evaluator,
        List<(ExpressionSyntax Expression, DimEvaluator Evaluator)> entries)
    {
        if (creations.Count != 1) return new CreationSpec(EquatableArray<NamedDim>.Empty, LocationInfo.FromSyntax(creations[0]), null, Complete: false);
        ExpressionSyntax expression = DimEvaluator.Unwrap(creations[0]);
        LocationInfo? location = LocationInfo.FromSyntax(expression);
        // new ModuleList<T>(...) { ... }, a TorchSharp factory such as nn.ModuleDict<T>(...), or a collection expression [a, b].
        (ArgumentListSyntax? argumentList, InitializerExpressionSyntax? initializerList) = expression switch
        {
            BaseObjectCreationExpressionSyntax c => (c.ArgumentList, c.Initializer),
            InvocationExpressionSyntax i => (i.ArgumentList, null),
            _ => ((ArgumentListSyntax?)null, (InitializerExpressionSyntax?)null),
        };
        IReadOnlyList<ExpressionSyntax>? given = expression switch
        {
            CollectionExpressionSyntax collection => Elements(collection),
            BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax =>
                (argumentList?.Arguments.Select(a => a.Expression) ?? Enumerable.Empty<ExpressionSyntax>())
                    .Concat(initializerList?.Expressions ?? Enumerable.Empty<ExpressionSyntax>()).ToList(),
            _ => null,
        };
        // The params array given as one array or collection expression: its elements are the entries.
        if (given is { Count: 1 } && IsArray(given[0])) given = ParamsArray(given[0]);
        if (given is null) return new CreationSpec(EquatableArray<NamedDim>.Empty, location, null, Complete: false);

        DimExpr? length = null;
        if (given.Count == 1 && Range(given[0], evaluator) is { } range)
        {
            length = range.Length;
            if (range.Entry is not null) entries.Add((range.Entry, evaluator));
        }
        else if (given.Count > 0)
        {
            entries.AddRange(given.Select(g => (Entry(g), evaluator)));
            length = DimExpr.Constant(given.Count, DimEvaluator.Invariant(given.Count), location);
        }
        else
        {
            length = Added(field, evaluator, entries, location);
        }

        EquatableArray<NamedDim> arguments = EquatableArray<NamedDim>.Empty;
        bool complete = false;
        ITypeSymbol? element = field.Type is INamedTypeSymbol { TypeArguments.Length: 1 } container ? container.TypeArguments[0] : null;
        if (entries.Count > 0 && ArgumentsThroughHelpers(entries[0].Expression, models, entries[0].Evaluator, element) is { } first)
        {
            complete = entries.Skip(1).All(e => ArgumentsThroughHelpers(e.Expression, models, e.Evaluator, element) is { } other && Same(other, first));
            if (complete) arguments = first;
        }
        return new CreationSpec(arguments, location, length, complete);
    }

    /// <summary>
    /// The elements of a collection expression; one spread (<c>[.. Enumerable.Range(0, n).Select(...)]</c>) stands for
    /// what it spreads. Null when elements and spreads are mixed, so the count is not known.
    /// </summary>
    private static IReadOnlyList<ExpressionSyntax>? Elements(CollectionExpressionSyntax collection)
    {
        if (collection.Elements is { Count: 1 } single && single[0] is SpreadElementSyntax spread) return new[] { spread.Expression };
        var result = new List<ExpressionSyntax>();
        foreach (CollectionElementSyntax element in collection.Elements)
        {
            if (element is not ExpressionElementSyntax { Expression: var e }) return null;
            result.Add(e);
        }
        return result;
    }

    private static bool IsArray(ExpressionSyntax argument) =>
        DimEvaluator.Unwrap(argument) is ArrayCreationExpressionSyntax { Initializer: not null } or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax;

    /// <summary>The entries of an array or collection expression passed as a container's one argument; null when they cannot be counted.</summary>
    private static IReadOnlyList<ExpressionSyntax>? ParamsArray(ExpressionSyntax argument) => DimEvaluator.Unwrap(argument) switch
    {
        ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
        ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
        CollectionExpressionSyntax collection => Elements(collection),
        _ => null,
    };

    /// <summary>The module of a dictionary entry given as <c>("name", module)</c> or <c>{ "name", module }</c>, or the expression itself.</summary>
    private static ExpressionSyntax Entry(ExpressionSyntax expression) => DimEvaluator.Unwrap(expression) switch
    {
        TupleExpressionSyntax { Arguments.Count: 2 } tuple => tuple.Arguments[1].Expression,
        InitializerExpressionSyntax { Expressions.Count: 2 } pair => pair.Expressions[1],
        _ => expression,
    };

    /// <summary><c>Enumerable.Range(start, count).Select(i =&gt; new T(...))</c>, optionally followed by <c>ToArray()</c>/<c>ToList()</c>.</summary>
    private static (DimExpr Length, ExpressionSyntax? Entry)? Range(ExpressionSyntax expression, DimEvaluator evaluator)
    {
        ExpressionSyntax? entry = null;
        ExpressionSyntax current = DimEvaluator.Unwrap(expression);
        while (current is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } invocation)
        {
            string name = access.Name.Identifier.ValueText;
            if (name == "Range" && invocation.ArgumentList.Arguments.Count == 2)
            {
                return (evaluator.Evaluate(invocation.ArgumentList.Arguments[1].Expression), entry);
            }
            if (name == "Select" && invocation.ArgumentList.Arguments.Count == 1)
            {
                entry = invocation.ArgumentList.Arguments[0].Expression switch
                {
                    SimpleLambdaExpressionSyntax { ExpressionBody: { } body } => body,
                    ParenthesizedLambdaExpressionSyntax { ExpressionBody: { } body } => body,
                    _ => null,
                };
            }
            else if (name is not ("ToArray" or "ToList"))
            {
                return null;
            }
            current = DimEvaluator.Unwrap(access.Expression);
        }
        return null;
    }

    /// <summary>
    /// Entries added in the constructors (<c>list.Add(new T(...))</c>): one per call, or one per iteration of the
    /// loop around the call (<c>for (int i = 0; i &lt; n; i++)</c>, <c>foreach (var w in widths)</c> over a known array).
    /// Each entry is evaluated with the loop variable taking that iteration's value. Null when nothing is added there.
    /// </summary>
    private static DimExpr? Added(IFieldSymbol field, DimEvaluator evaluator, List<(ExpressionSyntax, DimEvaluator)> entries, LocationInfo? location)
    {
        DimExpr? total = null;
        foreach (IMethodSymbol constructor in field.ContainingType.InstanceConstructors)
        {
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                foreach (InvocationExpressionSyntax call in reference.GetSyntax().DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (call.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" } access
                        || call.ArgumentList.Arguments.Count == 0
                        || !Names(access.Expression, field.Name)) continue;
                    ExpressionSyntax entry = call.ArgumentList.Arguments[call.ArgumentList.Arguments.Count - 1].Expression;
                    DimExpr count = Loops.Around(call) is { } loop ? Loops.Iterate(loop, evaluator, entry, entries) : One(entry, evaluator, entries, location);
                    total = total is null ? count : DimArithmetic.Combine(DimKind.Add, total, count, total.Text + " + " + count.Text, location);
                }
            }
        }
        return total;
    }

    private static DimExpr One(ExpressionSyntax entry, DimEvaluator evaluator, List<(ExpressionSyntax, DimEvaluator)> entries, LocationInfo? location)
    {
        entries.Add((entry, evaluator));
        return DimExpr.Constant(1, "1", location);
    }

    private static bool Names(ExpressionSyntax target, string field) => target switch
    {
        IdentifierNameSyntax id => id.Identifier.ValueText == field,
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var n } => n.Identifier.ValueText == field,
        _ => false,
    };

    /// <summary>A tensor field: <c>torch.empty(a, b, dtype: ...)</c> and friends, possibly wrapped in <c>new Parameter(...)</c>.</summary>
    private static CreationSpec? Tensor(List<ExpressionSyntax> creations, SemanticModels models, DimEvaluator evaluator)
    {
        ExpressionSyntax expression = DimEvaluator.Unwrap(creations[0]);
        LocationInfo? location = LocationInfo.FromSyntax(expression);
        if (creations.Count != 1) return new CreationSpec(EquatableArray<NamedDim>.Empty, location, null, Complete: false);
        // new Parameter(t), nn.Parameter(t): the shape is t's.
        ArgumentListSyntax? wrapper = expression switch
        {
            BaseObjectCreationExpressionSyntax c => c.ArgumentList,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Parameter" } } i => i.ArgumentList,
            _ => null,
        };
        if (wrapper is { Arguments.Count: >= 1 }) expression = DimEvaluator.Unwrap(wrapper.Arguments[0].Expression);
        if (expression is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax factory } invocation
            || !s_tensorFactories.Contains(factory.Name.Identifier.ValueText))
        {
            return new CreationSpec(EquatableArray<NamedDim>.Empty, location, null, Complete: false);
        }
        var sizes = new List<DimExpr>();
        DimExpr? dtype = null;
        foreach (ArgumentSyntax argument in invocation.ArgumentList.Arguments)
        {
            string? name = argument.NameColon?.Name.Identifier.ValueText;
            if (name == "dtype") dtype = evaluator.Evaluate(argument.Expression);
            else if (name is null or "size")
            {
                DimExpr value = evaluator.Evaluate(argument.Expression);
                if (value.Kind == DimKind.Tuple) sizes.AddRange(value.Operands);
                else if (value.Kind == DimKind.DType) dtype = value;
                else sizes.Add(value);
            }
        }
        var arguments = new List<NamedDim> { new("shape", DimExpr.Of(DimKind.Tuple, "", invocation.ToString(), location, sizes.ToArray())) };
        if (dtype is not null) arguments.Add(new NamedDim("dtype", dtype));
        return new CreationSpec(arguments.ToEquatableArray(), location, null, Complete: true);
    }
}
