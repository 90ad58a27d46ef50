using System.Text.Json;
using ModelGen.Examples.Running;

namespace ModelGen.Examples.Tests.Running;

/// <summary>The config saved beside the weights names the saved weights' dtype, whatever the source checkpoint said.</summary>
public sealed class SavedConfigTests
{
    [Fact]
    public void TorchDTypeBecomesTheSavedDTypeAndTheRestIsKept()
    {
        string saved = ModelSave.WithDType("""{"model_type": "llama", "torch_dtype": "bfloat16", "hidden_size": 64, "rope_scaling": {"type": "linear", "factor": 2.0}}""", "float32");
        using var config = JsonDocument.Parse(saved);
        Assert.Equal("float32", config.RootElement.GetProperty("torch_dtype").GetString());
        Assert.Equal("llama", config.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(64, config.RootElement.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2.0, config.RootElement.GetProperty("rope_scaling").GetProperty("factor").GetDouble());
        Assert.False(config.RootElement.TryGetProperty("dtype", out _), "no dtype field is added where transformers 4 wrote none");
    }

    [Fact]
    public void TheTransformersFiveDTypeFieldIsSetToo()
    {
        string saved = ModelSave.WithDType("""{"model_type": "llama", "dtype": "bfloat16"}""", "float16");
        using var config = JsonDocument.Parse(saved);
        Assert.Equal("float16", config.RootElement.GetProperty("dtype").GetString());
        Assert.Equal("float16", config.RootElement.GetProperty("torch_dtype").GetString());
    }

    [Fact]
    public void AConfigThatIsNotAnObjectIsRefused()
    {
        Assert.Throws<FormatException>(() => ModelSave.WithDType("[1, 2]", "float32"));
    }
}
