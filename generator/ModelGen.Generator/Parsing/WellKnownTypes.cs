using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Recognizes TorchSharp and ModelGen types by name and assembly. Names are compared instead of resolving symbols
/// with GetTypeByMetadataName, which searches every reference of a fresh compilation and would run again after each
/// edit (the parse step runs whenever the compilation changes).
/// </summary>
internal static class WellKnownTypes
{
    public const string ShardedModelAttribute = "ModelGen.ShardedModelAttribute";
    public const string IgnoreCheckpointKeysAttribute = "ModelGen.IgnoreCheckpointKeysAttribute";
    public const string TiedToAttribute = "ModelGen.TiedToAttribute";
    public const string ComputedBufferAttribute = "ModelGen.ComputedBufferAttribute";
    public const string InitializerAttribute = "ModelGen.InitializerAttribute";
    public const string ComponentNameAttribute = "TorchSharp.Utils.ComponentNameAttribute";

    /// <summary>Derives from <c>TorchSharp.torch.nn.Module</c>.</summary>
    public static bool IsModule(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "Module" && t.ContainingType is { Name: "nn", ContainingType.Name: "torch" } && IsTorchSharpType(t)) return true;
        }
        return false;
    }

    /// <summary>Is or derives from <c>TorchSharp.Modules.Parameter</c>.</summary>
    public static bool IsParameter(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "Parameter" && InModulesNamespace(t)) return true;
        }
        return false;
    }

    /// <summary>Is or derives from <c>TorchSharp.torch.Tensor</c>.</summary>
    public static bool IsTensor(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "Tensor" && t.ContainingType is { Name: "torch", ContainingType: null } && IsTorchSharpType(t)) return true;
        }
        return false;
    }

    /// <summary>Is <c>TorchSharp.torch.Device</c>.</summary>
    public static bool IsDevice(ITypeSymbol? type) =>
        type is { Name: "Device", ContainingType: { Name: "torch", ContainingType: null } } && IsTorchSharpType(type);

    /// <summary>Is <c>TorchSharp.Modules.ModuleList&lt;T&gt;</c>.</summary>
    public static bool IsModuleList(INamedTypeSymbol type) => type.Arity == 1 && type.Name == "ModuleList" && InModulesNamespace(type);

    /// <summary>Is <c>TorchSharp.Modules.ModuleDict&lt;T&gt;</c>.</summary>
    public static bool IsModuleDict(INamedTypeSymbol type) => type.Arity == 1 && type.Name == "ModuleDict" && InModulesNamespace(type);

    /// <summary>True for types defined by TorchSharp itself (their fields are not followed).</summary>
    public static bool IsTorchSharpType(ITypeSymbol type) => type.ContainingAssembly?.Name == "TorchSharp";

    public static bool IsParameterLess(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "ParameterLessModule" && InModulesNamespace(t)) return true;
        }
        return false;
    }

    public static string MetadataName(ITypeSymbol type)
    {
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + type.MetadataName;
    }

    private static bool InModulesNamespace(ITypeSymbol type) =>
        type.ContainingType is null
        && type.ContainingNamespace is { Name: "Modules", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } }
        && IsTorchSharpType(type);
}
