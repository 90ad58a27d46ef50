using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Parsing;

/// <summary>The TorchSharp and ModelGen types the parser recognizes, resolved once per compilation.</summary>
internal sealed class WellKnownTypes
{
    public const string ShardedModelAttribute = "ModelGen.ShardedModelAttribute";
    public const string IgnoreCheckpointKeysAttribute = "ModelGen.IgnoreCheckpointKeysAttribute";
    public const string TiedToAttribute = "ModelGen.TiedToAttribute";
    public const string ComputedBufferAttribute = "ModelGen.ComputedBufferAttribute";
    public const string InitializerAttribute = "ModelGen.InitializerAttribute";
    public const string ComponentNameAttribute = "TorchSharp.Utils.ComponentNameAttribute";

    private WellKnownTypes(Compilation compilation)
    {
        Module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        Parameter = compilation.GetTypeByMetadataName("TorchSharp.Modules.Parameter");
        Device = compilation.GetTypeByMetadataName("TorchSharp.torch+Device");
        ModuleList = compilation.GetTypeByMetadataName("TorchSharp.Modules.ModuleList`1");
        ModuleDict = compilation.GetTypeByMetadataName("TorchSharp.Modules.ModuleDict`1");
    }

    public INamedTypeSymbol? Module { get; }
    public INamedTypeSymbol? Tensor { get; }
    public INamedTypeSymbol? Parameter { get; }
    public INamedTypeSymbol? Device { get; }
    public INamedTypeSymbol? ModuleList { get; }
    public INamedTypeSymbol? ModuleDict { get; }

    public static WellKnownTypes From(Compilation compilation) => new(compilation);

    public bool IsModule(ITypeSymbol? type) => DerivesFrom(type, Module);

    public bool IsParameter(ITypeSymbol? type) => DerivesFrom(type, Parameter);

    public bool IsTensor(ITypeSymbol? type) => DerivesFrom(type, Tensor);

    /// <summary>True for types defined by TorchSharp itself (their fields are not followed).</summary>
    public static bool IsTorchSharpType(ITypeSymbol type) => type.ContainingAssembly?.Name == "TorchSharp";

    public static bool IsParameterLess(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "ParameterLessModule" && t.ContainingNamespace?.ToDisplayString() == "TorchSharp.Modules") return true;
        }
        return false;
    }

    public static string MetadataName(ITypeSymbol type)
    {
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + type.MetadataName;
    }

    private static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? baseType)
    {
        if (baseType is null) return false;
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, baseType)) return true;
        }
        return false;
    }
}
