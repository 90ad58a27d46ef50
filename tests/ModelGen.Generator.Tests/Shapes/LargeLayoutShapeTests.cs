using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Benchmarks;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Shapes;

/// <summary>The 18,867-key Qwen3-30B-A3B layout of the generator benchmark: every shape is checked, and one wrong tensor among them is found.</summary>
public sealed class LargeLayoutShapeTests
{
    private static GeneratorResult Run(string manifest) => GeneratorHarness.Run(
        GeneratorHarness.Compile(("Qwen3Moe.cs", Qwen3MoeLayout.Source)),
        GeneratorHarness.CreateDriver([new TestManifest("/ckpt/model.manifest", manifest, Qwen3MoeLayout.ModelName)]));

    [Fact]
    public void Every_key_is_checked_and_one_wrong_expert_width_is_reported()
    {
        string manifest = Qwen3MoeLayout.Manifest();
        const string key = "model.layers.47.mlp.experts.127.up_proj.weight";
        int line = manifest.IndexOf(key + " ", StringComparison.Ordinal);
        int end = manifest.IndexOf('\n', line);
        string original = manifest.Substring(line, end - line);
        string wrong = manifest.Replace(original, key + " BF16 [6144,2048]");

        Assert.Empty(Run(manifest).Reported);
        Diagnostic d = Assert.Single(Run(wrong).Reported);
        Assert.Equal("MG0020", d.Id);
        Assert.StartsWith($"Checkpoint key '{key}' has shape [6144, 2048], but the model creates [768, 2048]", d.GetMessage());
    }
}
