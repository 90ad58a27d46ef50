using System.Reflection;
using ModelGen.Cli.Output;
using ModelGen.Mapping;

namespace ModelGen.Cli.Check;

/// <summary>A [ShardedModel] class found in a built assembly, with its generated key table and its type (to build it on meta).</summary>
internal sealed record LoadedModel(string Name, CheckpointKeyTable Keys, Type? Type = null);

/// <summary>Finds the [ShardedModel] classes of a built assembly through their generated static <c>CheckpointKeys</c> property.</summary>
internal static class ModelAssemblyLoader
{
    private const string ShardedModelAttribute = "ModelGen.ShardedModelAttribute";
    private const string KeyTableProperty = "CheckpointKeys";

    public static IReadOnlyList<LoadedModel> Load(string assemblyPath)
    {
        string fullPath = Path.GetFullPath(assemblyPath);
        if (!File.Exists(fullPath))
            throw Usage("AssemblyNotFound", fullPath, "no file at this path.");
        Assembly assembly;
        try
        {
            assembly = new ModelLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw Usage("NotAnAssembly", fullPath, "the file is not a .NET assembly.");
        }
        var models = new List<LoadedModel>();
        foreach (Type type in LoadableTypes(assembly))
        {
            if (!type.IsClass || !type.GetCustomAttributesData().Any(a => a.AttributeType.FullName == ShardedModelAttribute)) continue;
            PropertyInfo? property = type.GetProperty(KeyTableProperty, BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly);
            if (property is null) continue;
            object? value;
            try
            {
                value = property.GetValue(null);
            }
            catch (TargetInvocationException e)
            {
                throw Usage("ModelNotLoadable", fullPath, $"reading {type.FullName}.{KeyTableProperty} failed: {(e.InnerException ?? e).Message}");
            }
            if (value is not CheckpointKeyTable table)
                throw Usage("ModelGenVersionMismatch", fullPath,
                    $"{type.FullName}.{KeyTableProperty} is not this tool's key table type: the model was built against a ModelGen this tool cannot share ({property.PropertyType.Assembly.GetName().Version}).");
            models.Add(new LoadedModel(type.FullName ?? type.Name, table, type));
        }
        return models.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The model named by <c>--model</c> (full name, or simple name when unique), or the only model.</summary>
    public static LoadedModel Select(IReadOnlyList<LoadedModel> models, string? requested, string assemblyPath)
    {
        string available = string.Join(", ", models.Select(m => m.Name));
        if (models.Count == 0)
            throw Usage("NoShardedModel", assemblyPath, "the assembly has no [ShardedModel] class with a generated key table.");
        if (requested is null)
        {
            return models.Count == 1
                ? models[0]
                : throw Usage("ModelAmbiguous", assemblyPath, $"the assembly has several [ShardedModel] classes; choose one with --model: {available}.");
        }
        var matches = models.Where(m => m.Name == requested).ToList();
        if (matches.Count == 0) matches = models.Where(m => m.Name.EndsWith("." + requested, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw Usage("ModelNotFound", assemblyPath, $"no [ShardedModel] class named '{requested}'; the assembly has: {available}."),
            _ => throw Usage("ModelAmbiguous", assemblyPath, $"'{requested}' names several [ShardedModel] classes: {string.Join(", ", matches.Select(m => m.Name))}; give the full name."),
        };
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            // Types whose dependencies are absent cannot be models we could read anyway; keep the rest.
            return e.Types.OfType<Type>();
        }
    }

    private static CommandFailureException Usage(string rule, string file, string detail) =>
        new(new CommandFailure(rule, file, null, detail, ExitCodes.Usage));
}
