using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Turns a [ShardedModel] class into an equatable <see cref="ModelSpec"/>: follows the module tree through fields
/// exactly as TorchSharp's <c>RegisterComponents()</c> names them, and reports what it cannot follow.
/// </summary>
internal sealed partial class ModelParser
{
    private readonly SemanticModels _models;
    private readonly CancellationToken _cancellation;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly Dictionary<string, ModuleTypeSpec> _moduleTypes = new(System.StringComparer.Ordinal);
    private readonly Queue<INamedTypeSymbol> _pending = new();
    private readonly HashSet<string> _queued = new(System.StringComparer.Ordinal);

    private ModelParser(SemanticModel model, CancellationToken cancellation)
    {
        _models = new SemanticModels(model);
        _cancellation = cancellation;
    }

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        if (context.TargetSymbol is not INamedTypeSymbol root) return new ParseResult("", null, EquatableArray<DiagnosticInfo>.Empty);
        return new ModelParser(context.SemanticModel, cancellation).ParseRoot(root);
    }

    private ParseResult ParseRoot(INamedTypeSymbol root)
    {
        LocationInfo? location = LocationInfo.FromLocation(root.Locations.FirstOrDefault());
        string display = root.ToDisplayString();
        if (!WellKnownTypes.IsModule(root))
        {
            Report(Descriptors.ModelNotModule, location, display);
            return Result(root, null);
        }
        string? shapeProblem = ShapeProblem(root);
        if (shapeProblem is not null)
        {
            Report(Descriptors.ModelNotPartial, location, display, shapeProblem);
            return Result(root, null);
        }

        Enqueue(root);
        while (_pending.Count > 0)
        {
            _cancellation.ThrowIfCancellationRequested();
            INamedTypeSymbol type = _pending.Dequeue();
            _moduleTypes[FullName(type)] = ParseModuleType(type);
        }

        var model = new ModelSpec(
            FullName(root),
            ModelName(root),
            NamespaceOf(root),
            ContainingTypes(root),
            root.Name,
            location,
            _moduleTypes.Values.OrderBy(t => t.FullName, System.StringComparer.Ordinal).ToEquatableArray(),
            IgnoredKeys(root, location).ToEquatableArray())
        {
            Policy = KeyPolicyReader.Read(root, location, _diagnostics),
        };
        return Result(root, model);
    }

    private ParseResult Result(INamedTypeSymbol root, ModelSpec? model) =>
        new(ModelName(root), model, _diagnostics.ToEquatableArray());

    /// <summary>The name a checkpoint item uses for a model: namespace, containing classes and name, joined by dots.</summary>
    private static string ModelName(INamedTypeSymbol root) => FullName(root).Substring("global::".Length);

    private IEnumerable<string> IgnoredKeys(INamedTypeSymbol root, LocationInfo? location)
    {
        foreach (AttributeData attribute in root.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != WellKnownTypes.IgnoreCheckpointKeysAttribute) continue;
            string? pattern = attribute.ConstructorArguments.FirstOrDefault().Value as string;
            if (string.IsNullOrWhiteSpace(pattern))
            {
                Report(Descriptors.AttributeMisuse, LocationOf(attribute) ?? location, "[IgnoreCheckpointKeys] needs a non-empty key pattern");
                continue;
            }
            yield return pattern!;
        }
    }

    private ModuleTypeSpec ParseModuleType(INamedTypeSymbol type)
    {
        string? baseModule = null;
        INamedTypeSymbol? baseType = type.BaseType;
        if (baseType is not null && WellKnownTypes.IsModule(baseType) && !WellKnownTypes.IsTorchSharpType(baseType))
        {
            string? problem = Unseeable(baseType);
            if (problem is null)
            {
                Enqueue(baseType);
                baseModule = FullName(baseType);
            }
            else
            {
                Report(Descriptors.OpaqueModule, LocationInfo.FromLocation(type.Locations.FirstOrDefault()),
                    type.ToDisplayString(), baseType.ToDisplayString(), "base class " + problem);
            }
        }

        var members = new List<MemberSpec>();
        IEnumerable<IFieldSymbol> fields = type.GetMembers().OfType<IFieldSymbol>()
            .Where(f => !f.IsStatic && !f.IsConst)
            .OrderBy(f => f.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "", System.StringComparer.Ordinal)
            .ThenBy(f => f.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0);
        foreach (IFieldSymbol field in fields)
        {
            MemberSpec? member = ParseField(field);
            if (member is not null) members.Add(CreationFinder.Attach(member, field, _models));
        }
        return new ModuleTypeSpec(FullName(type), NamespaceOf(type), ContainingTypes(type), type.Name, baseModule, members.ToEquatableArray());
    }

    private MemberSpec? ParseField(IFieldSymbol field)
    {
        ITypeSymbol type = field.Type;
        bool relevant = WellKnownTypes.IsModule(type) || WellKnownTypes.IsTensor(type);
        if (!relevant) return null;

        if (field.AssociatedSymbol is IPropertySymbol property)
        {
            Report(Descriptors.AutoPropertyModule, LocationInfo.FromLocation(property.Locations.FirstOrDefault()), property.Name, type.Name);
            return null;
        }

        LocationInfo? location = LocationInfo.FromLocation(field.Locations.FirstOrDefault());
        string key = ComponentName(field) ?? field.Name;
        string display = field.ContainingType.Name + "." + field.Name;
        var attributes = new FieldAttributes(field);

        if (WellKnownTypes.IsTensor(type))
        {
            bool isParameter = WellKnownTypes.IsParameter(type);
            if (field.IsReadOnly)
            {
                Report(Descriptors.ReadonlyTensorField, location, display, isParameter ? "Parameter" : "Tensor");
                return null;
            }
            TensorSpec tensor = OwnTensor(field, key, isParameter ? SlotKind.Parameter : SlotKind.Buffer, attributes, location);
            return new MemberSpec(field.Name, key, isParameter ? MemberKind.Parameter : MemberKind.Buffer, tensor, null, null, location);
        }

        if (attributes.ComputedBuffer is not null)
        {
            Report(Descriptors.AttributeMisuse, location, $"[ComputedBuffer] on '{display}' needs a Tensor (buffer) field");
        }

        if (type is INamedTypeSymbol named && (WellKnownTypes.IsModuleList(named) || WellKnownTypes.IsModuleDict(named)))
        {
            bool isList = WellKnownTypes.IsModuleList(named);
            ITypeSymbol element = named.TypeArguments[0];
            MemberKind kind = isList ? MemberKind.List : MemberKind.Dict;
            return Child(field, key, kind, element, attributes, location, display, arguments: null);
        }
        return Child(field, key, MemberKind.Module, type, attributes, location, display, LayerArguments.Find(field, _models));
    }

    /// <summary>A module-valued member (a field, or the element type of a list or dict): a known layer or a custom module.</summary>
    private MemberSpec? Child(IFieldSymbol field, string key, MemberKind kind, ITypeSymbol type, FieldAttributes attributes,
        LocationInfo? location, string display, LayerArguments? arguments)
    {
        string metadataName = WellKnownTypes.MetadataName(type);
        if (KnownLayers.ByMetadataName.TryGetValue(metadataName, out KnownLayers.LayerTemplate? template))
        {
            if (template.Native)
            {
                string hint = template.Replacement is null ? "" : $"; use {template.Replacement} instead, which costs nothing on meta";
                Report(Descriptors.NativeInitializingLayer, location, display, template.DisplayName, hint);
            }
            LayerSpec layer = Layer(type, template, arguments, attributes, location, display);
            return new MemberSpec(field.Name, key, kind == MemberKind.Module ? MemberKind.Layer : kind, null, layer, null, location);
        }

        attributes.ReportUnused(this, location, display, "a built-in layer field");
        if (KnownLayers.NativeOpaque.Contains(metadataName))
        {
            Report(Descriptors.NativeInitializingLayer, location, display, type.Name, "; its parameters are not mapped");
            return null;
        }
        if (WellKnownTypes.IsParameterLess(type)) return null;
        if (!WellKnownTypes.IsModule(type))
        {
            Report(Descriptors.OpaqueModule, location, display, type.ToDisplayString(), "it is not a TorchSharp module");
            return null;
        }
        if (metadataName == SequentialMetadataName && kind == MemberKind.Module) return Sequential(field, key, location, display);
        if (metadataName == SequentialMetadataName && kind == MemberKind.List) return SequentialList(field, key, location, display);
        if (WellKnownTypes.IsTorchSharpType(type) || metadataName.StartsWith("ModelGen.Layers.", System.StringComparison.Ordinal))
        {
            string reason = type.Name switch
            {
                "Sequential" => "a Sequential inside a module dictionary is not followed; use a custom module",
                "ParameterList" or "ParameterDict" => "parameter containers are not supported; use Parameter fields",
                "Module" => "declare the field with the concrete layer or module type",
                _ => "ModelGen does not know this layer's parameters",
            };
            Report(Descriptors.OpaqueModule, location, display, type.ToDisplayString(), reason);
            return null;
        }
        string? problem = Unseeable((INamedTypeSymbol)type);
        if (problem is not null)
        {
            Report(Descriptors.OpaqueModule, location, display, type.ToDisplayString(), problem);
            return null;
        }
        Enqueue((INamedTypeSymbol)type);
        return new MemberSpec(field.Name, key, kind, null, null, FullName(type), location);
    }

    private LayerSpec Layer(ITypeSymbol type, KnownLayers.LayerTemplate template, LayerArguments? arguments,
        FieldAttributes attributes, LocationInfo? location, string display)
    {
        var tensors = new List<TensorSpec>();
        foreach (KnownLayers.TensorTemplate t in template.Tensors)
        {
            Presence presence = t.EnabledBy.Count == 0 ? Presence.Always : arguments?.Evaluate(t.EnabledBy) ?? Presence.Runtime;
            if (presence == Presence.Never) continue;
            string? initCode = t.InitCode;
            string? initDescription = t.InitDescription;
            string? userInit = attributes.InitializerFor(t.Name);
            if (userInit is not null)
            {
                initCode = $"this.{userInit}({{t}})";
                initDescription = userInit + "()";
            }
            tensors.Add(new TensorSpec(t.Name, t.Kind, t.Name, initCode, initDescription, presence, attributes.TiedToFor(t.Name), null) { DeclaredNew = userInit is not null });
        }
        attributes.Validate(this, location, display, tensors.Select(t => t.Name));
        return new LayerSpec(FullName(type), template.DisplayName, tensors.ToEquatableArray());
    }

    private TensorSpec OwnTensor(IFieldSymbol field, string key, SlotKind kind, FieldAttributes attributes, LocationInfo? location)
    {
        string display = field.ContainingType.Name + "." + field.Name;
        string? initCode = null, initDescription = null;
        string? userInit = attributes.InitializerFor(null);
        if (userInit is not null)
        {
            initCode = $"this.{userInit}({{t}})";
            initDescription = userInit + "()";
        }
        string? tied = attributes.TiedToFor(null);
        if (tied is not null && kind != SlotKind.Parameter)
        {
            Report(Descriptors.AttributeMisuse, location, $"[TiedTo] on '{display}' needs a Parameter or layer field");
            tied = null;
        }
        string? compute = attributes.ComputedBuffer;
        if (compute is not null && kind != SlotKind.Buffer)
        {
            Report(Descriptors.AttributeMisuse, location, $"[ComputedBuffer] on '{display}' needs a Tensor (buffer) field, not a Parameter");
            compute = null;
        }
        attributes.Validate(this, location, display, new[] { "" });
        return new TensorSpec(key, kind, field.Name, initCode, initDescription, Presence.Always, tied, compute) { DeclaredNew = userInit is not null };
    }

    /// <summary>Reads and checks the ModelGen attributes on one field.</summary>
    private sealed class FieldAttributes
    {
        private readonly List<(string? Parameter, string Key, AttributeData Data)> _tied = new();
        private readonly List<(string? Parameter, string Method, AttributeData Data)> _initializers = new();
        private readonly HashSet<AttributeData> _used = new();

        public FieldAttributes(IFieldSymbol field)
        {
            Field = field;
            foreach (AttributeData attribute in field.GetAttributes())
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                string? first = attribute.ConstructorArguments.FirstOrDefault().Value as string;
                string? parameter = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Parameter").Value.Value as string;
                switch (name)
                {
                    case WellKnownTypes.TiedToAttribute when first is not null: _tied.Add((parameter, first, attribute)); break;
                    case WellKnownTypes.InitializerAttribute when first is not null: _initializers.Add((parameter, first, attribute)); break;
                    case WellKnownTypes.ComputedBufferAttribute when first is not null: ComputedBuffer = first; ComputedData = attribute; break;
                }
            }
        }

        public IFieldSymbol Field { get; }
        public string? ComputedBuffer { get; }
        public AttributeData? ComputedData { get; }

        public string? TiedToFor(string? parameter)
        {
            foreach (var t in _tied)
            {
                if (t.Parameter == parameter) { _used.Add(t.Data); return t.Key; }
            }
            return null;
        }

        public string? InitializerFor(string? parameter)
        {
            foreach (var i in _initializers)
            {
                if (i.Parameter == parameter) { _used.Add(i.Data); return i.Method; }
            }
            return null;
        }

        /// <summary>Reports [TiedTo]/[Initializer] naming a tensor this field does not hold, and checks the signatures of the named methods.</summary>
        public void Validate(ModelParser parser, LocationInfo? location, string display, IEnumerable<string> known)
        {
            foreach (var t in _tied.Where(t => !_used.Contains(t.Data)))
            {
                parser.Report(Descriptors.AttributeMisuse, LocationOf(t.Data) ?? location,
                    $"[TiedTo] on '{display}' names parameter '{t.Parameter ?? "(none)"}', which this field does not hold; set Parameter to one of: {string.Join(", ", known.Where(k => k.Length > 0))}");
            }
            foreach (var i in _initializers.Where(i => !_used.Contains(i.Data)))
            {
                parser.Report(Descriptors.AttributeMisuse, LocationOf(i.Data) ?? location,
                    $"[Initializer] on '{display}' names parameter '{i.Parameter ?? "(none)"}', which this field does not hold; set Parameter to one of: {string.Join(", ", known.Where(k => k.Length > 0))}");
            }
            foreach (var i in _initializers.Where(i => _used.Contains(i.Data)))
            {
                parser.CheckMethod(Field.ContainingType, i.Method, LocationOf(i.Data) ?? location, display, "[Initializer]", returnsTensor: false);
            }
            if (ComputedData is not null && ComputedBuffer is not null)
            {
                parser.CheckMethod(Field.ContainingType, ComputedBuffer, LocationOf(ComputedData) ?? location, display, "[ComputedBuffer]", returnsTensor: true);
            }
        }

        /// <summary>Reports ModelGen attributes on a field that cannot carry them (a custom module or container).</summary>
        public void ReportUnused(ModelParser parser, LocationInfo? location, string display, string needs)
        {
            foreach (var t in _tied) parser.Report(Descriptors.AttributeMisuse, LocationOf(t.Data) ?? location, $"[TiedTo] on '{display}' needs a Parameter field or {needs}");
            foreach (var i in _initializers) parser.Report(Descriptors.AttributeMisuse, LocationOf(i.Data) ?? location, $"[Initializer] on '{display}' needs a Parameter or Tensor field or {needs}");
        }
    }

    private void CheckMethod(INamedTypeSymbol type, string name, LocationInfo? location, string display, string attribute, bool returnsTensor)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            foreach (IMethodSymbol method in t.GetMembers(name).OfType<IMethodSymbol>())
            {
                if (method.IsStatic || method.Parameters.Length != 1) continue;
                bool ok = returnsTensor
                    ? WellKnownTypes.IsTensor(method.ReturnType) && WellKnownTypes.IsDevice(method.Parameters[0].Type)
                    : method.ReturnsVoid && WellKnownTypes.IsTensor(method.Parameters[0].Type);
                if (ok) return;
            }
        }
        string signature = returnsTensor ? "torch.Tensor " + name + "(torch.Device device)" : "void " + name + "(torch.Tensor tensor)";
        Report(Descriptors.AttributeMisuse, location, $"{attribute} on '{display}' names '{name}', but '{type.Name}' has no instance method '{signature}'");
    }

    private static string? ComponentName(IFieldSymbol field)
    {
        foreach (AttributeData attribute in field.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != WellKnownTypes.ComponentNameAttribute) continue;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string name && name.Length > 0) return name;
            }
        }
        return null;
    }

    private static LocationInfo? LocationOf(AttributeData attribute) =>
        LocationInfo.FromSyntax(attribute.ApplicationSyntaxReference?.GetSyntax());

    private void Enqueue(INamedTypeSymbol type)
    {
        if (_queued.Add(FullName(type))) _pending.Enqueue(type);
    }

    private static string? ShapeProblem(INamedTypeSymbol type)
    {
        if (type.IsGenericType) return "it is generic";
        if (!IsPartialClass(type)) return "it is not partial";
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType || !IsPartialClass(outer)) return $"it is nested in '{outer.Name}', which is not a non-generic partial class";
        }
        return null;
    }

    private static bool IsPartialClass(INamedTypeSymbol type) =>
        type.TypeKind == TypeKind.Class
        && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is ClassDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    /// <summary>Names of the classes <paramref name="type"/> is nested in, outermost first.</summary>
    private static EquatableArray<string> ContainingTypes(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType) names.Insert(0, outer.Name);
        return names.ToEquatableArray();
    }

    /// <summary>Why the generator cannot emit glue into a custom module type, or null when it can.</summary>
    private static string? Unseeable(INamedTypeSymbol type)
    {
        if (type.DeclaringSyntaxReferences.Length == 0) return "it is defined in a referenced assembly, not in this compilation";
        string? shape = ShapeProblem(type);
        return shape is null ? null : shape + " (custom modules must be non-generic partial classes)";
    }

    private static string FullName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string NamespaceOf(ITypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "";

    private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));
}
