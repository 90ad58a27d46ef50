using ModelGen.Examples.Llama;
using ModelGen.Examples.Moe;
using ModelGen.Examples.Running;
using ModelGen.Loading;
using TorchSharp;

namespace ModelGen.Examples.Tests.Reference;

/// <summary>Runs an example's model the way the program does (meta construction, ShardedLoader, forward) in this process.</summary>
public static class ExampleInProcess
{
    public static ExampleRecipe RecipeFor(string modelType) => modelType == "qwen3_moe" ? new MoeRecipe() : new LlamaRecipe();

    /// <summary>Loads the folder into the example's float32 model and returns its logits [length, vocab] and the load report.</summary>
    public static (torch.Tensor Logits, LoadReport Report) Logits(ExampleRecipe recipe, string folder, long[] ids)
    {
        string config = File.ReadAllText(Path.Combine(folder, "config.json"));
        ExampleModel model = MetaConstruction.Build(() => recipe.Build(config, torch.ScalarType.Float32));
        using var module = model.Module;
        LoadReport report = ShardedLoader.Load(model.Sharded, folder);
        using (torch.no_grad())
        {
            module.eval();
            using var input = torch.tensor(ids).unsqueeze(0);
            using var logits = module.forward(input);
            return (logits.squeeze(0).to_type(torch.ScalarType.Float64).clone(), report);
        }
    }

    /// <summary>Builds the example's model for <paramref name="configJson"/> on the meta device (where refusals surface).</summary>
    public static void Build(ExampleRecipe recipe, string configJson) =>
        MetaConstruction.Build(() => recipe.Build(configJson, torch.ScalarType.Float32)).Module.Dispose();
}
