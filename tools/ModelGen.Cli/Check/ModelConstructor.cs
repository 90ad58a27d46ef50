using System.Reflection;
using System.Text.Json;
using ModelGen.Cli.Output;
using TorchSharp;

namespace ModelGen.Cli.Check;

/// <summary>
/// How a model can be built for the shape checks: <paramref name="Create"/> makes an instance (null when it cannot
/// be built, with the reason in <paramref name="NotChecked"/>); <paramref name="ConfigPath"/> is the config.json used.
/// </summary>
internal sealed record ModelConstructor(Func<object>? Create, string? NotChecked, string? ConfigPath);

/// <summary>
/// Chooses how to build a model: its public parameterless constructor, or a public constructor whose single parameter
/// is a config class, filled from config.json with System.Text.Json as the model's own code would read it, or one
/// taking the config and its element type, given the config's <c>torch_dtype</c> as Hugging Face models are.
/// </summary>
internal static class ModelConstructorResolver
{
    /// <summary>The file looked for beside the checkpoint when no <c>--config</c> is given, as the build does.</summary>
    public const string ConfigFileName = "config.json";

    public static ModelConstructor Resolve(Type type, string checkpointPath, string? configOption)
    {
        if (type.GetConstructor(Type.EmptyTypes) is not null)
            return new(() => Activator.CreateInstance(type)!, null, null);
        ConstructorInfo[] single = type.GetConstructors().Where(c => c.GetParameters() is [{ ParameterType: var p }] && IsConfigType(p)).ToArray();
        // Models that also take their element type, as Hugging Face models take torch_dtype: (config, ScalarType).
        if (single.Length == 0)
            single = type.GetConstructors().Where(c => c.GetParameters() is [{ ParameterType: var p }, { ParameterType: var d }] && IsConfigType(p) && d == typeof(torch.ScalarType)).ToArray();
        if (single.Length != 1)
        {
            string taken = string.Join(", ", type.GetConstructors().Select(c => "(" + string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name)) + ")"));
            string why = single.Length == 0
                ? "no public constructor taking a single config object (optionally followed by its ScalarType)"
                : "several public constructors taking a single config object";
            return new(null, $"{type.FullName} has no public parameterless constructor and {why} (its constructors take {taken}), so it cannot be built here", null);
        }
        ConstructorInfo constructor = single[0];
        Type configType = constructor.GetParameters()[0].ParameterType;
        string configPath = ConfigPath(checkpointPath, configOption);
        if (!File.Exists(configPath))
        {
            if (configOption is not null)
                throw new CommandFailureException(new CommandFailure("ConfigNotFound", configPath, null, "the --config file does not exist.", ExitCodes.Usage));
            return new(null, $"{type.FullName} is built from a {configType.Name}, but there is no {ConfigFileName} at {configPath}; pass --config FILE", null);
        }
        object config = Deserialize(configPath, configType);
        if (constructor.GetParameters().Length == 1) return new(() => constructor.Invoke([config]), null, configPath);
        torch.ScalarType? dtype = ConfigDType.Read(configPath);
        if (dtype is null)
            return new(null, $"{type.FullName} is built from a {configType.Name} and a ScalarType, but {configPath} has no torch_dtype naming one, so it cannot be built here", configPath);
        return new(() => constructor.Invoke([config, dtype.Value]), null, configPath);
    }

    /// <summary>
    /// A class or record (not a string, array or collection) System.Text.Json can fill: a public parameterless
    /// constructor, or a single public constructor whose parameters it binds by property name.
    /// </summary>
    private static bool IsConfigType(Type type) =>
        type.IsClass && !type.IsAbstract && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
        && (type.GetConstructor(Type.EmptyTypes) is not null || type.GetConstructors().Length == 1);

    /// <summary>
    /// The config.json the build's checks are run with, as the build step picks it: <c>--config</c> (which must exist),
    /// else config.json in the checkpoint's folder when there is one, else none.
    /// </summary>
    public static string? ConfigFile(string checkpointPath, string? configOption)
    {
        string path = ConfigPath(checkpointPath, configOption);
        if (File.Exists(path)) return path;
        if (configOption is not null)
            throw new CommandFailureException(new CommandFailure("ConfigNotFound", path, null, "the --config file does not exist.", ExitCodes.Usage));
        return null;
    }

    /// <summary><c>--config</c> when given, else config.json in the checkpoint's folder (the folder itself, or the file's).</summary>
    private static string ConfigPath(string checkpointPath, string? configOption)
    {
        if (configOption is not null) return Path.GetFullPath(configOption);
        string full = Path.GetFullPath(checkpointPath);
        string folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full) ?? ".";
        return Path.Combine(folder, ConfigFileName);
    }

    private static object Deserialize(string configPath, Type configType)
    {
        // Default options: [JsonPropertyName] and `required` are honoured, fields the config class lacks are ignored.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General);
        try
        {
            using FileStream stream = File.OpenRead(configPath);
            return JsonSerializer.Deserialize(stream, configType, options)
                ?? throw Invalid(configPath, "$", $"the file holds null, not a {configType.Name} object.");
        }
        catch (JsonException e)
        {
            throw Invalid(configPath, e.Path ?? "$", $"the file cannot be read into {configType.Name}: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            throw Invalid(configPath, "$", $"System.Text.Json cannot create {configType.Name}: {e.Message}");
        }
    }

    private static CommandFailureException Invalid(string file, string path, string detail) =>
        new(new CommandFailure("ConfigInvalid", file, path, detail, ExitCodes.Failed));
}
