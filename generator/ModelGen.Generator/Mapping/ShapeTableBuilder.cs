using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Walks a model's module tree as <see cref="KeyTableBuilder"/> does and gives every key its shape: constructor
/// arguments are followed down through the modules that pass them on (a module's constructor parameter takes the
/// value its creator passed), and what the root's constructor receives becomes a named symbol
/// (<c>config.HiddenSize</c>) for <see cref="ShapeChecker"/> to unify with the checkpoint.
/// </summary>
internal static class ShapeTableBuilder
{
    /// <summary>The values a module's constructor parameters take where it is created; <see cref="Root"/> for the model itself.</summary>
    private sealed class Scope
    {
        public static readonly Scope Root = new(new Dictionary<string, DimExpr>(System.StringComparer.Ordinal), root: true);
        public static readonly Scope Unknown = new(new Dictionary<string, DimExpr>(System.StringComparer.Ordinal), root: false);

        public Scope(Dictionary<string, DimExpr> parameters, bool root)
        {
            Parameters = parameters;
            IsRoot = root;
        }

        public Dictionary<string, DimExpr> Parameters { get; }
        public bool IsRoot { get; }
    }

    public static ShapeTable Build(ModelSpec model)
    {
        var types = model.ModuleTypes.ToDictionary(t => t.FullName, System.StringComparer.Ordinal);
        var keys = new List<ShapedKey>();
        var lists = new List<ShapedList>();
        var seen = new HashSet<string>(System.StringComparer.Ordinal);

        void Walk(string typeName, string prefix, Scope scope, int depth, HashSet<string> stack)
        {
            if (!types.TryGetValue(typeName, out ModuleTypeSpec? type) || !stack.Add(typeName)) return;
            foreach (MemberSpec member in type.Members)
            {
                string memberName = type.Name + "." + member.FieldName;
                string path = prefix + member.Key;
                if (member.ModuleType is not null && stack.Contains(member.ModuleType)) continue;
                switch (member.Kind)
                {
                    case MemberKind.Parameter:
                    case MemberKind.Buffer:
                        AddTensor(path, member, memberName, scope);
                        break;
                    case MemberKind.Layer:
                        AddLayer(member.Layer!, path, member, memberName, Arguments(member.Creation, scope));
                        break;
                    case MemberKind.Module:
                        Walk(member.ModuleType!, path + ".", ChildScope(member.Creation, scope), depth, stack);
                        break;
                    case MemberKind.Sequential:
                        foreach (MemberSpec child in member.Children)
                        {
                            string childPath = path + "." + child.Key;
                            if (child.Layer is not null) AddLayer(child.Layer, childPath, child, memberName + "[" + child.Key + "]", Arguments(child.Creation, scope));
                            else if (child.ModuleType is not null && !stack.Contains(child.ModuleType)) Walk(child.ModuleType, childPath + ".", ChildScope(child.Creation, scope), depth, stack);
                        }
                        break;
                    case MemberKind.SequentialList:
                    {
                        string entry = path + "." + KeyTableBuilder.ListIndex;
                        DimExpr? length = member.Creation?.Length is { } l ? Resolve(l, scope) : null;
                        lists.Add(new ShapedList(entry, depth, length, memberName, member.Creation?.Location ?? member.Location));
                        // Entries built with different sizes: the keys are known, their shapes are not.
                        bool alike = member.Creation is { Complete: true };
                        foreach (MemberSpec child in member.Children)
                        {
                            string childPath = entry + "." + child.Key;
                            string childName = memberName + "[{i}][" + child.Key + "]";
                            if (child.Layer is not null)
                            {
                                if (alike) AddLayer(child.Layer, childPath, child, childName, Arguments(child.Creation, scope));
                                else AddUnknownLayer(child.Layer, childPath, member, childName, child.Location);
                            }
                            else if (child.ModuleType is not null && !stack.Contains(child.ModuleType))
                            {
                                Walk(child.ModuleType, childPath + ".", alike ? ChildScope(child.Creation, scope) : Scope.Unknown, depth + 1, stack);
                            }
                        }
                        break;
                    }
                    case MemberKind.List:
                    case MemberKind.Dict:
                        bool isList = member.Kind == MemberKind.List;
                        string element = path + "." + (isList ? KeyTableBuilder.ListIndex : KeyTableBuilder.DictKey);
                        if (isList)
                        {
                            DimExpr? length = member.Creation?.Length is { } l ? Resolve(l, scope) : null;
                            lists.Add(new ShapedList(element, depth, length, memberName, member.Creation?.Location ?? member.Location));
                        }
                        int inner = isList ? depth + 1 : depth;
                        if (member.Layer is not null) AddLayer(member.Layer, element, member, memberName, Arguments(member.Creation, scope));
                        else Walk(member.ModuleType!, element + ".", ChildScope(member.Creation, scope), inner, stack);
                        break;
                }
            }
            // Base-class fields are created by the base constructor, whose arguments are not followed.
            if (type.BaseModuleType is not null) Walk(type.BaseModuleType, prefix, scope.IsRoot ? Scope.Root : Scope.Unknown, depth, stack);
            stack.Remove(typeName);
        }

        void Add(ShapedKey key)
        {
            if (seen.Add(key.Pattern)) keys.Add(key);
        }

        void AddLayer(LayerSpec layer, string path, MemberSpec member, string memberName, Dictionary<string, DimExpr>? args)
        {
            foreach (TensorSpec t in layer.Tensors)
            {
                string pattern = path + "." + t.Name;
                if (args is null)
                {
                    Add(new ShapedKey(pattern, EquatableArray<DimExpr>.Empty, Unknown(member), null, memberName + "." + t.Name, member.Location));
                    continue;
                }
                IReadOnlyList<DimExpr>? shape = LayerShapes.Of(layer.DisplayName, t.Name, args, out string? reason);
                args.TryGetValue("dtype", out DimExpr? dtype);
                Add(new ShapedKey(pattern, shape?.ToEquatableArray() ?? EquatableArray<DimExpr>.Empty, shape is null ? reason : null,
                    dtype is { Kind: DimKind.DType } ? dtype : null, memberName + "." + t.Name, member.Location));
            }
        }

        void AddUnknownLayer(LayerSpec layer, string path, MemberSpec reason, string memberName, LocationInfo? location)
        {
            foreach (TensorSpec t in layer.Tensors)
            {
                Add(new ShapedKey(path + "." + t.Name, EquatableArray<DimExpr>.Empty, Unknown(reason), null, memberName + "." + t.Name, location));
            }
        }

        void AddTensor(string path, MemberSpec member, string memberName, Scope scope)
        {
            Dictionary<string, DimExpr>? args = Arguments(member.Creation, scope);
            if (args is null || !args.TryGetValue("shape", out DimExpr? shape))
            {
                Add(new ShapedKey(path, EquatableArray<DimExpr>.Empty, Unknown(member), null, memberName, member.Location));
                return;
            }
            args.TryGetValue("dtype", out DimExpr? dtype);
            Add(new ShapedKey(path, shape.Operands, null, dtype is { Kind: DimKind.DType } ? dtype : null, memberName, member.Location));
        }

        Walk(model.FullName, "", Scope.Root, 0, new HashSet<string>(System.StringComparer.Ordinal));
        return new ShapeTable(model.MetadataName, model.Location, keys.ToEquatableArray(), lists.ToEquatableArray());
    }

    private static string Unknown(MemberSpec member) => member.Creation is null
        ? "the generator found no creation of the field in its initializer or constructors"
        : member.Kind switch
        {
            MemberKind.Parameter or MemberKind.Buffer => "it is not created by torch.empty/zeros/ones/rand/randn in one place",
            MemberKind.List or MemberKind.Dict or MemberKind.SequentialList => "its entries are not all created alike where the generator looks (the container's initializer, Enumerable.Range(...).Select(...), Add in a constructor)",
            _ => "it is created in more than one way, or by something the generator does not evaluate",
        };

    /// <summary>The creation's arguments in the model's terms, or null when the creation was not found or not complete.</summary>
    private static Dictionary<string, DimExpr>? Arguments(CreationSpec? creation, Scope scope)
    {
        if (creation is null || !creation.Complete) return null;
        var result = new Dictionary<string, DimExpr>(System.StringComparer.Ordinal);
        foreach (NamedDim argument in creation.Arguments) result[argument.Name] = Resolve(argument.Value, scope);
        return result;
    }

    private static Scope ChildScope(CreationSpec? creation, Scope scope) =>
        Arguments(creation, scope) is { } args ? new Scope(args, root: false) : Scope.Unknown;

    /// <summary>An argument in the model's terms: parameters replaced by what the creator passed, root parameters by symbols.</summary>
    internal static DimExpr Resolve(DimExpr e, IReadOnlyDictionary<string, DimExpr> parameters, bool root)
    {
        switch (e.Kind)
        {
            case DimKind.Parameter:
                // A known value is decided where it is written; anything else where this module uses it (a swapped
                // argument is fixed there, not where the value came from).
                if (parameters.TryGetValue(e.Name, out DimExpr? bound)) return bound.IsConstant || bound.Kind == DimKind.DType ? bound : bound with { Location = e.Location ?? bound.Location };
                return root ? new DimExpr(DimKind.Symbol, 0, e.Name, null, EquatableArray<DimExpr>.Empty, e.Text, e.Location) : DimExpr.Opaque(e.Text, e.Location);
            case DimKind.Member:
            {
                DimExpr target = Resolve(e.Operands[0], parameters, root);
                if (target.Kind != DimKind.Symbol) return DimExpr.Opaque(e.Text, e.Location);
                bool bare = target.Name.IndexOf('.') < 0;
                string? json = bare ? e.JsonName : target.JsonName is null || e.JsonName is null ? null : target.JsonName + "." + e.JsonName;
                return new DimExpr(DimKind.Symbol, 0, target.Name + "." + e.Name, json, EquatableArray<DimExpr>.Empty, e.Text, e.Location);
            }
            case DimKind.Add:
            case DimKind.Subtract:
            case DimKind.Multiply:
            case DimKind.Divide:
                return DimArithmetic.Combine(e.Kind, Resolve(e.Operands[0], parameters, root), Resolve(e.Operands[1], parameters, root), e.Text, e.Location);
            case DimKind.Tuple:
                return e with { Operands = e.Operands.Select(o => Resolve(o, parameters, root)).ToEquatableArray() };
            default:
                return e;
        }
    }

    private static DimExpr Resolve(DimExpr e, Scope scope) => Resolve(e, scope.Parameters, scope.IsRoot);
}
