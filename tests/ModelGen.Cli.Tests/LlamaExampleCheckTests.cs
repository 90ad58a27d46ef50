using System.Text.Json;

namespace ModelGen.Cli.Tests;

/// <summary><c>check</c> on the Llama example's own build output, against its committed manifest and config.json.</summary>
public sealed class LlamaExampleCheckTests
{
    private static readonly DirectoryInfo TestBin = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The repository root: tests/ModelGen.Cli.Tests/bin/{configuration}/{framework} is five levels down.</summary>
    private static readonly string Root = TestBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    private static readonly string Example = Path.Combine(Root, "examples", "ModelGen.Examples.Llama");

    /// <summary>The example's build output, in the configuration these tests were built in (the project reference builds it).</summary>
    private static string ExampleAssembly()
    {
        string assembly = Path.Combine(Example, "bin", TestBin.Parent!.Name, TestBin.Name, "ModelGen.Examples.Llama.dll");
        Assert.True(File.Exists(assembly), assembly);
        return assembly;
    }

    private static CliRun Check(string config) => CliRun.Of("check", Path.Combine(Example, "checkpoint.manifest"), "--assembly", ExampleAssembly(),
        "--model", "ModelGen.Examples.Llama.Model.LlamaForCausalLM", "--config", config, "--json");

    [Fact]
    public void The_committed_manifest_matches_the_built_example_built_from_its_config_and_torch_dtype()
    {
        // LlamaForCausalLM(LlamaConfig config, ScalarType dtype): the dtype comes from the config's torch_dtype.
        string config = Path.Combine(Example, "config.json");
        CliRun run = Check(config);

        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Empty(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal(0, run.ExitCode);
        Assert.True(json.RootElement.GetProperty("shapesChecked").GetBoolean());
        Assert.Equal(config, json.RootElement.GetProperty("config").GetString());
    }

    [Fact]
    public void A_config_with_another_width_gives_MG0020_on_the_example_and_one_without_torch_dtype_is_named()
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-cli-llama-config-").FullName;
        try
        {
            string original = File.ReadAllText(Path.Combine(Example, "config.json"));
            string wide = Path.Combine(folder, "wide.json");
            File.WriteAllText(wide, original.Replace("\"intermediate_size\": 2816", "\"intermediate_size\": 2817", StringComparison.Ordinal));
            using (JsonDocument json = JsonDocument.Parse(Check(wide).Stdout))
            {
                string[] ids = json.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Distinct().ToArray();
                Assert.Equal(["MG0020"], ids);
            }

            string untyped = Path.Combine(folder, "untyped.json");
            File.WriteAllText(untyped, original.Replace("\"torch_dtype\"", "\"saved_dtype\"", StringComparison.Ordinal));
            using (JsonDocument json = JsonDocument.Parse(Check(untyped).Stdout))
            {
                Assert.False(json.RootElement.GetProperty("shapesChecked").GetBoolean());
                Assert.Contains("no torch_dtype", json.RootElement.GetProperty("shapesNotChecked").GetString());
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
