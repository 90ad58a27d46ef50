namespace ModelGen.Manifest;

/// <summary>
/// <c>modelgen-manifest CHECKPOINT [-o|--output FILE]</c>: prints (or writes) the manifest of a .safetensors file or a
/// model.safetensors.index.json. Reads headers only.
/// </summary>
internal static class Program
{
    internal const string Usage = "usage: modelgen-manifest <model.safetensors | model.safetensors.index.json> [-o|--output <file>]";

    internal static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? checkpoint = null, target = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                case "-o" or "--output" when i + 1 < args.Length:
                    target = args[++i];
                    break;
                default:
                    if (checkpoint is not null || args[i].StartsWith('-'))
                    {
                        error.WriteLine(Usage);
                        return 2;
                    }
                    checkpoint = args[i];
                    break;
            }
        }
        if (checkpoint is null)
        {
            error.WriteLine(Usage);
            return 2;
        }
        if (!CheckpointManifest.IsCheckpoint(checkpoint))
        {
            error.WriteLine($"modelgen-manifest: '{checkpoint}' is neither a .safetensors file nor a *.index.json");
            return 2;
        }
        try
        {
            string text = CheckpointManifest.FromCheckpoint(checkpoint);
            if (target is null) output.Write(text);
            else File.WriteAllText(target, text);
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"modelgen-manifest: cannot read '{checkpoint}': {e.Message}");
            return 1;
        }
    }
}
