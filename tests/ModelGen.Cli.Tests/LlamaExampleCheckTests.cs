using System.Text.Json;

namespace ModelGen.Cli.Tests;

/// <summary><c>check</c> on the Llama example's own build output, against its committed manifest and config.json.</summary>
public sealed class LlamaExampleCheckTests
{
    private static readonly DirectoryInfo TestBin = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The repository root: tests/ModelGen.Cli.Tests/bin/{configuration}/{framework} is five levels down.</summary>
    private static readonly string Root = TestBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    private static readonly string Example = Path.Combine(Root, "examples", "ModelGen.Examples.Llama");

    [Fact]
    public void The_committed_manifest_matches_the_built_example_and_its_two_argument_constructor_is_named()
    {
        // The example's build output, in the configuration these tests were built in (the project reference builds it).
        string assembly = Path.Combine(Example, "bin", TestBin.Parent!.Name, TestBin.Name, "ModelGen.Examples.Llama.dll");
        Assert.True(File.Exists(assembly), assembly);
        CliRun run = CliRun.Of("check", Path.Combine(Example, "checkpoint.manifest"), "--assembly", assembly,
            "--model", "ModelGen.Examples.Llama.Model.LlamaForCausalLM", "--config", Path.Combine(Example, "config.json"), "--json");

        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Empty(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal(0, run.ExitCode);
        // LlamaForCausalLM(LlamaConfig config, ScalarType dtype): the dtype argument cannot come from config.json.
        Assert.False(json.RootElement.GetProperty("shapesChecked").GetBoolean());
        Assert.Contains("(LlamaConfig, ScalarType)", json.RootElement.GetProperty("shapesNotChecked").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("config").ValueKind);
    }
}
