using ModelGen.Examples.Tests.Reference;
using ModelGen.Loading;
using TorchSharp;

namespace ModelGen.Examples.Tests.Policy;

/// <summary>
/// The examples' generated models keep the default key policy: a model built with more layers than its checkpoint
/// holds fails the load, naming every tensor of the extra layer, instead of loading random weights.
/// </summary>
public sealed class MissingLayerTests : IDisposable
{
    private static readonly long[] Prompt = [3, 17, 42];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-missing-layer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen3_moe")]
    public void A_config_with_one_layer_more_than_the_checkpoint_fails_listing_the_missing_layer(string modelType)
    {
        var truth = new ReferenceModel { ModelType = modelType, Theta = 10000 };
        Dictionary<string, torch.Tensor> weights = ReferenceWeights.Create(truth, seed: 7);
        try
        {
            var config = TinyCheckpoint.BaseConfig(truth);
            config["num_hidden_layers"] = truth.Layers + 1;
            TinyCheckpoint.Write(_folder, config, weights);

            var error = Assert.Throws<CheckpointMismatchException>(() => ExampleInProcess.Logits(ExampleInProcess.RecipeFor(modelType), _folder, Prompt));

            string extra = $"model.layers.{truth.Layers}.";
            Assert.NotEmpty(error.MissingKeys);
            Assert.All(error.MissingKeys, key => Assert.StartsWith(extra, key));
            Assert.Contains($"'{extra}self_attn.q_proj.weight'", error.Message);
            Assert.Contains("MissingKeys is Refuse", error.Message);
            Assert.All(error.MissingKeys, key => Assert.Contains($"'{key}'", error.Message));
        }
        finally
        {
            foreach (torch.Tensor weight in weights.Values) weight.Dispose();
        }
    }
}
