using System.Reflection;
using System.Runtime.Loader;

namespace ModelGen.Cli.Check;

/// <summary>
/// Loads a built model assembly for inspection. ModelGen and TorchSharp come from the tool's own folder (shared with
/// the tool, so the key table the model returns is of the tool's <c>CheckpointKeyTable</c> type), falling back to
/// the model's folder; other dependencies resolve through the model's deps.json, then its folder.
/// </summary>
internal sealed class ModelLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> SharedWithTool = new(StringComparer.OrdinalIgnoreCase) { "ModelGen", "TorchSharp" };

    private readonly AssemblyDependencyResolver? _resolver;
    private readonly string _folder;

    public ModelLoadContext(string assemblyPath)
        : base("modelgen check: " + Path.GetFileName(assemblyPath))
    {
        _folder = Path.GetDirectoryName(assemblyPath) ?? ".";
        try
        {
            _resolver = new AssemblyDependencyResolver(assemblyPath);
        }
        catch (InvalidOperationException)
        {
            // No usable deps.json: the folder probe below still finds dependencies copied next to the assembly.
            _resolver = null;
        }
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name is null) return null;
        if (SharedWithTool.Contains(name.Name) && FromTool(name) is Assembly own) return own;
        string? path = _resolver?.ResolveAssemblyToPath(name);
        if (path is null)
        {
            string candidate = Path.Combine(_folder, name.Name + ".dll");
            if (File.Exists(candidate)) path = candidate;
        }
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    private static Assembly? FromTool(AssemblyName name)
    {
        try
        {
            return Default.LoadFromAssemblyName(name);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
