using System.CommandLine;

namespace ModelGen.Cli.Commands;

/// <summary>Arguments and options several commands share, spelled the same everywhere.</summary>
internal static class CommonArguments
{
    public static Argument<string> CheckpointPath() => new("PATH")
    {
        Description = "A .safetensors file, a *.safetensors.index.json, or a folder holding one of them.",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON document on stdout instead of text.",
    };
}
