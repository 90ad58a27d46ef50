using System.Reflection;
using Microsoft.CodeAnalysis;
using ModelGen.Loading;
using ModelGen.Mapping;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>
/// Turns a generator run into a loadable model: the compilation with the generated source is emitted, loaded, and a
/// model type is built on the meta device, so the same source can be checked at build time and loaded at run time.
/// </summary>
internal static class CompiledModels
{
    public static Assembly Emit(GeneratorResult result)
    {
        using var image = new MemoryStream();
        var emitted = result.Output.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        // Loaded from bytes: each run gets its own load context, so every test may name its assembly alike.
        return Assembly.Load(image.ToArray());
    }

    public static IShardedModel BuildOnMeta(Assembly assembly, string typeName) =>
        MetaConstruction.Build(() => (IShardedModel)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!)!);

    /// <summary>Writes a checkpoint of zero-filled tensors, one per <c>key DTYPE d0,d1</c> line, and returns its path.</summary>
    public static string WriteCheckpoint(string folder, string name, IEnumerable<(string Key, torch.ScalarType DType, long[] Shape)> tensors)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name + ".safetensors");
        SafeTensorsWriter.Write(path, tensors.Select(t => new KeyValuePair<string, torch.Tensor>(t.Key, torch.zeros(t.Shape, dtype: t.DType))));
        return path;
    }

    /// <summary>The manifest lines the build reads for the same tensors (<c>key DTYPE [d0, d1]</c>, sorted by key).</summary>
    public static string Manifest(IEnumerable<(string Key, torch.ScalarType DType, long[] Shape)> tensors) =>
        string.Concat(tensors.OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key} {DType(t.DType)} [{string.Join(", ", t.Shape)}]\n"));

    private static string DType(torch.ScalarType type)
    {
        Assert.True(SafeTensorsDTypes.TryFromScalarType(type, out SafeTensorsDType dtype));
        return dtype.ToString();
    }
}
