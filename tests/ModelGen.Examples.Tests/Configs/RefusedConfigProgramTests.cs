using ModelGen.Examples.Tests.Infrastructure;
using ModelGen.Examples.Tests.Reference;
using TorchSharp;

namespace ModelGen.Examples.Tests.Configs;

/// <summary>A checkpoint of another architecture given to the Llama example: exit code 1 and the reason, no logits.</summary>
public sealed class RefusedConfigProgramTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-gemma-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task GemmaCheckpointIsRefusedWithExitCodeOne()
    {
        // Gemma's keys are Llama's, so the load itself would succeed: only model_type tells them apart.
        var shape = new ReferenceModel { ModelType = "gemma" };
        Dictionary<string, torch.Tensor> weights = ReferenceWeights.Create(shape with { ModelType = "llama" }, seed: 1);
        TinyCheckpoint.Write(_folder, TinyCheckpoint.BaseConfig(shape), weights);
        foreach (torch.Tensor weight in weights.Values) weight.Dispose();

        ProgramRun run = await ProgramRun.DotnetAsync(Repository.ExampleDll("ModelGen.Examples.Llama"), ["--checkpoint", _folder, "--json"], _folder, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("config.json field 'model_type' is 'gemma'", run.StandardError, StringComparison.Ordinal);
        Assert.Equal("", run.StandardOutput);
    }
}
