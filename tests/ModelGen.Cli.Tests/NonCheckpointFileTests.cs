using System.Text;
using System.Text.Json;

namespace ModelGen.Cli.Tests;

/// <summary>
/// Files that are not checkpoints get one answer from every command that reads a checkpoint: by name first (as the
/// build decides), then by the safetensors rules for a file that carries a checkpoint's name.
/// </summary>
public sealed class NonCheckpointFileTests : IDisposable
{
    private static readonly string[] Commands = ["inspect", "manifest", "verify"];

    /// <summary>A 1x1 PNG: signature, IHDR, IDAT, IEND.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    /// <summary>Each content under a name that is not a checkpoint's.</summary>
    public static TheoryData<string, string> OtherNames() => new()
    {
        { "text", "notes.txt" },
        { "three bytes", "three.bin" },
        { "empty", "empty" },
        { "png", "image.png" },
    };

    /// <summary>Each content with the rule it breaks when named as a checkpoint.</summary>
    public static TheoryData<string, string> FormatRules() => new()
    {
        { "text", "HeaderTooLarge" },
        { "three bytes", "FileTooSmall" },
        { "empty", "FileTooSmall" },
        { "png", "HeaderTooLarge" },
    };

    private static byte[] Bytes(string content) => content switch
    {
        "text" => Encoding.UTF8.GetBytes("Notes about the model.\nNothing here is a tensor.\n"),
        "three bytes" => [1, 2, 3],
        "empty" => [],
        "png" => Png,
        _ => throw new ArgumentOutOfRangeException(nameof(content), content, null),
    };

    private string Write(string name, string content)
    {
        string path = Path.Combine(_checkpoints.Folder, name);
        File.WriteAllBytes(path, Bytes(content));
        return path;
    }

    /// <summary>Each command's exit code and the JSON error's rule and file.</summary>
    private static (string Command, int Exit, string? Rule, string? File)[] RunAll(string path) =>
        Commands.Select(command =>
        {
            // manifest needs -o for --json; the file must stay unwritten on failure.
            string[] args = command == "manifest"
                ? [command, path, "--json", "-o", path + ".manifest"]
                : [command, path, "--json"];
            CliRun run = CliRun.Of(args);
            using JsonDocument json = JsonDocument.Parse(run.Stdout);
            JsonElement error = json.RootElement.GetProperty("error");
            Assert.False(File.Exists(path + ".manifest"), "manifest wrote a file for a failed checkpoint");
            Assert.Contains($"modelgen {command}: error: {error.GetProperty("rule").GetString()}: ", run.Stderr);
            return (command, run.ExitCode, error.GetProperty("rule").GetString(), error.GetProperty("file").GetString());
        }).ToArray();

    [Theory]
    [MemberData(nameof(OtherNames))]
    public void A_file_without_a_checkpoint_name_is_not_a_checkpoint_for_every_command(string content, string name)
    {
        string path = Write(name, content);

        var results = RunAll(path);

        Assert.All(results, r => Assert.Equal((r.Command, 1, "NotACheckpoint", path), r));
    }

    [Theory]
    [MemberData(nameof(FormatRules))]
    public void The_same_bytes_named_as_a_checkpoint_break_the_same_format_rule_for_every_command(string content, string formatRule)
    {
        string path = Write("model.safetensors", content);

        var results = RunAll(path);

        Assert.All(results, r => Assert.Equal((r.Command, 1, formatRule, path), r));
    }

    [Fact]
    public void A_json_file_that_is_not_an_index_is_not_a_checkpoint_for_every_command()
    {
        string path = Path.Combine(_checkpoints.Folder, "config.json");
        File.WriteAllText(path, """{"model_type": "llama"}""");

        var results = RunAll(path);

        Assert.All(results, r => Assert.Equal((r.Command, 1, "NotACheckpoint", path), r));
    }
}
