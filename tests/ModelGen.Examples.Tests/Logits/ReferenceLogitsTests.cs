using System.Text.Json.Nodes;
using ModelGen.Examples.Tests.Reference;
using TorchSharp;

namespace ModelGen.Examples.Tests.Logits;

/// <summary>
/// The examples' float32 logits on tiny checkpoints against <see cref="HuggingFaceReference"/> (float64, written in the
/// test from the transformers formulas), for each config feature that changes the math, in each form transformers
/// writes it. Where a case exists to catch a field being ignored, the test also checks that ignoring it would have
/// moved the logits far beyond the tolerance, so the case really tells the two apart.
/// </summary>
public sealed class ReferenceLogitsTests : IDisposable
{
    /// <summary>
    /// Largest difference allowed, relative to the largest logit: float32 against float64 over two layers differs by
    /// about 1e-6 of it.
    /// </summary>
    private const double Tolerance = 5e-6;

    // Longer than every sliding window below, so that windows matter; all ids below the tiny vocabulary.
    private static readonly long[] Prompt = [3, 17, 42, 5, 60, 11, 29, 8, 51, 23, 36, 14];

    private static readonly ReferenceRopeScaling Llama3 = new("llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 8, OriginalMaxPositions: 128);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-reference-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public void LlamaReadsTopLevelRopeThetaAndLlama3Scaling()
    {
        var truth = new ReferenceModel { ModelType = "llama", Theta = 500000, Scaling = Llama3 };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["rope_theta"] = 500000;
        config["rope_scaling"] = Scaling(Llama3);
        AssertMatchesReference(truth, config, naive: truth with { Theta = 10000, Scaling = null });
    }

    [Fact]
    public void LlamaReadsTransformers5RopeParameters()
    {
        var truth = new ReferenceModel { ModelType = "llama", Theta = 500000, Scaling = Llama3 };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        JsonObject parameters = Scaling(Llama3);
        parameters["rope_theta"] = 500000;
        config["rope_parameters"] = parameters;
        AssertMatchesReference(truth, config, naive: truth with { Theta = 10000, Scaling = null });
    }

    [Fact]
    public void LlamaAcceptsBothPlacesWhenTheyAgree()
    {
        var linear = new ReferenceRopeScaling("linear", Factor: 4);
        var truth = new ReferenceModel { ModelType = "llama", Theta = 20000, Scaling = linear };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["rope_theta"] = 20000;
        config["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 4 };
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 4.0, ["rope_theta"] = 20000.0 };
        AssertMatchesReference(truth, config, naive: truth with { Scaling = null });
    }

    [Fact]
    public void LlamaBiasesFollowAttentionBiasAndMlpBiasWithGeluTanh()
    {
        var truth = new ReferenceModel { ModelType = "llama", QkvBias = true, OutputBias = true, MlpBias = true, Activation = "gelu_pytorch_tanh" };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["attention_bias"] = true;
        config["mlp_bias"] = true;
        AssertMatchesReference(truth, config, naive: truth with { Activation = "silu" });
    }

    [Fact]
    public void LlamaTiedHeadWithExactGelu()
    {
        var truth = new ReferenceModel { ModelType = "llama", Tied = true, Activation = "gelu" };
        AssertMatchesReference(truth, TinyCheckpoint.BaseConfig(truth), naive: truth with { Activation = "silu" });
    }

    [Fact]
    public void MistralHasNoBiasesWhateverAttentionBiasSaysAndSlidesEveryLayer()
    {
        var truth = new ReferenceModel { ModelType = "mistral", Windows = [4, 4], Activation = "relu" };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        // Fields transformers' Mistral does not read: the checkpoint has no biases.
        config["attention_bias"] = true;
        config["mlp_bias"] = true;
        config["sliding_window"] = 4;
        config["rope_theta"] = 1000000.0;
        AssertMatchesReference(truth with { Theta = 1e6 }, config, naive: truth with { Theta = 1e6, Windows = [] });
    }

    [Fact]
    public void MistralWithNullSlidingWindowAttendsFully()
    {
        var truth = new ReferenceModel { ModelType = "mistral" };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["sliding_window"] = null;
        AssertMatchesReference(truth, config, naive: null);
    }

    [Fact]
    public void Qwen2HasQkvBiasesAndSlidesFromMaxWindowLayers()
    {
        var truth = new ReferenceModel { ModelType = "qwen2", QkvBias = true, Windows = [null, 3] };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        // Qwen2's q/k/v biases do not depend on attention_bias (transformers' Qwen2 does not read it).
        config["attention_bias"] = false;
        config["use_sliding_window"] = true;
        config["sliding_window"] = 3;
        config["max_window_layers"] = 1;
        AssertMatchesReference(truth, config, naive: truth with { Windows = [] });
    }

    [Fact]
    public void Qwen2FollowsLayerTypes()
    {
        var truth = new ReferenceModel { ModelType = "qwen2", QkvBias = true, Windows = [5, null] };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["use_sliding_window"] = true;
        config["sliding_window"] = 5;
        config["max_window_layers"] = 1;
        config["layer_types"] = new JsonArray("sliding_attention", "full_attention");
        AssertMatchesReference(truth, config, naive: truth with { Windows = [null, 5] });
    }

    [Fact]
    public void Qwen2WithoutUseSlidingWindowAttendsFully()
    {
        var truth = new ReferenceModel { ModelType = "qwen2", QkvBias = true };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["use_sliding_window"] = false;
        config["sliding_window"] = 3;
        config["max_window_layers"] = 0;
        AssertMatchesReference(truth, config, naive: truth with { Windows = [3, 3] });
    }

    [Fact]
    public void Qwen3MoeReadsRopeParametersAndSlidingWindow()
    {
        var linear = new ReferenceRopeScaling("linear", Factor: 2);
        var truth = new ReferenceModel { ModelType = "qwen3_moe", Theta = 1e6, Scaling = linear, Windows = [4, 4], NormTopK = true };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0, ["rope_theta"] = 1e6 };
        config["use_sliding_window"] = true;
        config["sliding_window"] = 4;
        AssertMatchesReference(truth, config, naive: truth with { Theta = 10000, Scaling = null, Windows = [] });
    }

    [Fact]
    public void Qwen3MoeAppliesLegacyRopeScalingWithGelu()
    {
        var truth = new ReferenceModel { ModelType = "qwen3_moe", Theta = 500000, Scaling = Llama3, Activation = "gelu" };
        JsonObject config = TinyCheckpoint.BaseConfig(truth);
        config["rope_theta"] = 500000;
        config["rope_scaling"] = Scaling(Llama3);
        AssertMatchesReference(truth, config, naive: truth with { Scaling = null, Activation = "silu" });
    }

    private void AssertMatchesReference(ReferenceModel truth, JsonObject config, ReferenceModel? naive)
    {
        Dictionary<string, torch.Tensor> weights = ReferenceWeights.Create(truth, seed: 20261201);
        try
        {
            TinyCheckpoint.Write(_folder, config, weights);
            using torch.Tensor expected = HuggingFaceReference.Logits(truth, weights, Prompt);
            double scale = Math.Max(1.0, MaxAbs(expected));
            var (actual, report) = ExampleInProcess.Logits(ExampleInProcess.RecipeFor(truth.ModelType), _folder, Prompt);
            using (actual)
            {
                // Every tensor of the checkpoint reached the model and nothing was made up.
                Assert.Empty(report.InitializedKeys);
                Assert.Empty(report.IgnoredKeys);
                Assert.Equal(weights.Keys.Order(StringComparer.Ordinal), report.LoadedKeys.Order(StringComparer.Ordinal));
                double difference = MaxAbsDifference(actual, expected) / scale;
                Assert.True(difference <= Tolerance, $"example logits differ from the reference by {difference:E2} of the largest logit {scale:F2} (tolerance {Tolerance:E0})");
            }
            if (naive is null) return;
            using torch.Tensor ignoring = HuggingFaceReference.Logits(naive, weights, Prompt);
            double gap = MaxAbsDifference(ignoring, expected) / scale;
            Assert.True(gap > 100 * Tolerance, $"ignoring the feature moves the logits by only {gap:E2}: the case does not test it");
        }
        finally
        {
            foreach (torch.Tensor weight in weights.Values) weight.Dispose();
        }
    }

    private static double MaxAbsDifference(torch.Tensor a, torch.Tensor b)
    {
        using var difference = a - b;
        return MaxAbs(difference);
    }

    private static double MaxAbs(torch.Tensor a)
    {
        using var largest = a.abs().max();
        return largest.item<double>();
    }

    private static JsonObject Scaling(ReferenceRopeScaling s) => s.Kind == "llama3"
        ? new JsonObject
        {
            ["rope_type"] = "llama3",
            ["factor"] = s.Factor,
            ["low_freq_factor"] = s.LowFreqFactor,
            ["high_freq_factor"] = s.HighFreqFactor,
            ["original_max_position_embeddings"] = s.OriginalMaxPositions,
        }
        : new JsonObject { ["rope_type"] = s.Kind, ["factor"] = s.Factor };
}
