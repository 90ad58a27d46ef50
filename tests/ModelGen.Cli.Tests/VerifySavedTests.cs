using System.Text.Json;
using ModelGen.Distributed;
using ModelGen.Saving;

namespace ModelGen.Cli.Tests;

/// <summary>What <see cref="ModelSaver"/> writes is a checkpoint the tool accepts: verify passes and check is clean.</summary>
public sealed class VerifySavedTests : IDisposable
{
    private readonly TestCheckpoints _checkpoints = new();

    public void Dispose() => _checkpoints.Dispose();

    private string SaveModel(long maxShardBytes)
    {
        TorchSharp.torch.manual_seed(3);
        using var model = new CheckTestModel(blocks: 2);
        string folder = Path.Combine(_checkpoints.Folder, "saved");
        using IProcessGroup single = ProcessGroups.Single();
        ModelSaver.Save(model, folder, new SaveOptions { ProcessGroup = single, MaxShardBytes = maxShardBytes });
        return folder;
    }

    [Fact]
    public void Verify_accepts_a_saved_folder_of_several_shards()
    {
        string folder = SaveModel(maxShardBytes: 600);

        CliRun run = CliRun.Of("verify", folder, "--json");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        // embed, norm and two blocks' weight and bias; the tied head and the computed buffer are not written.
        Assert.Equal(6, json.RootElement.GetProperty("tensors").GetInt32());
        Assert.True(json.RootElement.GetProperty("files").GetArrayLength() > 1);
    }

    [Fact]
    public void Check_finds_the_saved_keys_exactly_the_model_s()
    {
        string folder = SaveModel(maxShardBytes: 600);

        CliRun run = CliRun.Of("check", Path.Combine(folder, "model.safetensors.index.json"),
            "--assembly", typeof(CheckTestModel).Assembly.Location, "--model", "ModelGen.Cli.Tests.CheckTestModel");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("Result: clean: the build reports nothing; 6 of 6 checkpoint keys mapped", run.Stdout);
    }
}
