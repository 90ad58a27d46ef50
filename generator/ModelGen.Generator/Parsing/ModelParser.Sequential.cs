using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// <c>Sequential</c> fields: TorchSharp registers the children given to <c>nn.Sequential(...)</c> as <c>0</c>,
/// <c>1</c>, ... (every child counts, parameterless ones too) or by the names of <c>("name", module)</c> pairs,
/// so the keys are known when the field is created in one place with its children listed.
/// </summary>
internal sealed partial class ModelParser
{
    private const string SequentialMetadataName = "TorchSharp.Modules.Sequential";

    private MemberSpec? Sequential(IFieldSymbol field, string key, LocationInfo? location, string display)
    {
        var creations = new List<ExpressionSyntax>();
        foreach (SyntaxReference reference in field.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer: { } initializer }) creations.Add(initializer.Value);
        }
        creations.AddRange(_models.ConstructorAssignments(field.ContainingType, field.Name).Select(a => a.Right));
        ArgumentListSyntax? arguments = creations.Count == 1 ? SequentialArguments(DimEvaluator.Unwrap(creations[0])) : null;
        if (arguments is null)
        {
            Report(Descriptors.OpaqueModule, location, display, SequentialMetadataName,
                "a Sequential's keys are known only when it is created in one place with its children listed (nn.Sequential(a, b, ...) or nn.Sequential((\"name\", a), ...))");
            return null;
        }
        List<MemberSpec>? children = SequentialChildren(field, arguments, display, new DimEvaluator(_models, field.ContainingType));
        if (children is null) return null;
        return new MemberSpec(field.Name, key, MemberKind.Sequential, null, null, null, location) { Children = children.ToEquatableArray() };
    }

    /// <summary>The children listed in <paramref name="creation"/> when it is TorchSharp's own <c>nn.Sequential(...)</c> or <c>new Sequential(...)</c>, which registers exactly those; else null.</summary>
    private ArgumentListSyntax? SequentialArguments(ExpressionSyntax creation)
    {
        ArgumentListSyntax? arguments = creation switch
        {
            InvocationExpressionSyntax i => i.ArgumentList,
            BaseObjectCreationExpressionSyntax c => c.ArgumentList,
            _ => null,
        };
        if (arguments is null) return null;
        return _models.For(creation.SyntaxTree).GetSymbolInfo(creation).Symbol is IMethodSymbol method && WellKnownTypes.IsTorchSharpType(method.ContainingType)
            ? arguments
            : null;
    }

    /// <summary>
    /// The children with tensors of one <c>nn.Sequential(...)</c> argument list, named as TorchSharp registers them, their
    /// shapes read with <paramref name="evaluator"/>; null (reported) when a child's name or type is not known.
    /// </summary>
    private List<MemberSpec>? SequentialChildren(IFieldSymbol field, ArgumentListSyntax arguments, string display, DimEvaluator evaluator)
    {
        var children = new List<MemberSpec>();
        for (int position = 0; position < arguments.Arguments.Count; position++)
        {
            ExpressionSyntax argument = DimEvaluator.Unwrap(arguments.Arguments[position].Expression);
            string name = position.ToString(CultureInfo.InvariantCulture);
            if (argument is TupleExpressionSyntax { Arguments.Count: 2 } pair)
            {
                if (_models.For(pair.SyntaxTree).GetConstantValue(pair.Arguments[0].Expression).Value is not string given)
                {
                    Report(Descriptors.OpaqueModule, LocationInfo.FromSyntax(pair), display, SequentialMetadataName, "the name of a child is not a constant string");
                    return null;
                }
                name = given;
                argument = DimEvaluator.Unwrap(pair.Arguments[1].Expression);
            }
            if (argument is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax))
            {
                Report(Descriptors.OpaqueModule, LocationInfo.FromSyntax(argument), display, SequentialMetadataName,
                    "a Sequential's children must be created in its argument list (nn.Sequential(nn.Linear(...), ...)), so their order and types are known");
                return null;
            }
            MemberSpec? child = SequentialChild(field, argument, name, display, evaluator);
            if (child is not null) children.Add(child);
        }
        return children;
    }

    /// <summary>One child: a known layer or a custom module; parameterless layers hold no keys (but took their position).</summary>
    private MemberSpec? SequentialChild(IFieldSymbol field, ExpressionSyntax creation, string name, string display, DimEvaluator evaluator)
    {
        LocationInfo? location = LocationInfo.FromSyntax(creation);
        string childDisplay = display + "[" + name + "]";
        ITypeSymbol? type = _models.For(creation.SyntaxTree).GetTypeInfo(creation).Type;
        if (type is null || WellKnownTypes.IsParameterLess(type)) return null;
        string metadataName = WellKnownTypes.MetadataName(type);
        CreationSpec shapes = CreationFinder.ForExpression(creation, evaluator, _models);
        if (KnownLayers.ByMetadataName.TryGetValue(metadataName, out KnownLayers.LayerTemplate? template))
        {
            if (template.Native) Report(Descriptors.NativeInitializingLayer, location, childDisplay, template.DisplayName, "");
            LayerArguments arguments = LayerArguments.ForCreation(creation, field.ContainingType, _models);
            var tensors = new List<TensorSpec>();
            foreach (KnownLayers.TensorTemplate t in template.Tensors)
            {
                Presence presence = t.EnabledBy.Count == 0 ? Presence.Always : arguments.Evaluate(t.EnabledBy);
                if (presence == Presence.Never) continue;
                tensors.Add(new TensorSpec(t.Name, t.Kind, t.Name, t.InitCode, t.InitDescription, presence, null, null));
            }
            return new MemberSpec(name, name, MemberKind.Layer, null, new LayerSpec(FullName(type), template.DisplayName, tensors.ToEquatableArray()), null, location)
            {
                Creation = shapes,
            };
        }
        if (type is INamedTypeSymbol named && WellKnownTypes.IsModule(named) && !WellKnownTypes.IsTorchSharpType(named) && Unseeable(named) is null)
        {
            Enqueue(named);
            return new MemberSpec(name, name, MemberKind.Module, null, null, FullName(named), location) { Creation = shapes };
        }
        Report(Descriptors.OpaqueModule, location, childDisplay, type.ToDisplayString(), "ModelGen does not know this module's parameters");
        return null;
    }
}
