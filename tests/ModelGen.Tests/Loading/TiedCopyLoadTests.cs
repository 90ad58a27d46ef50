using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>
/// A checkpoint that holds a tied key's own tensor beside its target: the tie keeps one tensor, so the load goes on
/// only when the two are byte for byte the same, and otherwise refuses rather than drop a trained tensor.
/// </summary>
public sealed class TiedCopyLoadTests : IDisposable
{
    private readonly CheckpointFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static LoadOptions Single() => new() { ProcessGroup = ProcessGroups.Single() };

    private string Write(string name, Func<Tensor, Tensor> head, ScalarType dtype = ScalarType.Float32)
    {
        manual_seed(3);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape).to(dtype), StringComparer.Ordinal);
        tensors["head.weight"] = head(tensors["fc1.weight"]);
        string path = Path.Combine(_files.Folder, name);
        SafeTensorsWriter.Write(path, tensors);
        return path;
    }

    [Fact]
    public void An_identical_copy_is_tied_and_reported()
    {
        string path = Write("same.safetensors", w => w.clone());
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        LoadReport report = ShardedLoader.Load(model, path, Single());

        Assert.Equal(["head.weight"], report.IdenticalTiedKeys);
        Assert.Equal(["head.weight"], report.TiedKeys);
        Assert.DoesNotContain("head.weight", report.IgnoredKeys);
        Assert.DoesNotContain("head.weight", report.LoadedKeys);
        Assert.Equal(model.fc1.weight!.Handle, model.head.weight!.Handle);
    }

    [Fact]
    public void A_different_copy_fails_the_load_naming_both_keys_and_the_file()
    {
        // One element apart: the comparison is exact, not approximate.
        string path = Write("different.safetensors", w => { Tensor c = w.clone(); c[3, 3] = c[3, 3] + 1; return c; });
        HandWrittenModel model = MetaConstruction.Build(() => new HandWrittenModel());

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, path, Single()));

        string problem = Assert.Single(error.Problems);
        Assert.Contains("'head.weight' and 'fc1.weight' (different.safetensors)", problem);
        Assert.Contains("two different tensors", problem);
        Assert.Equal(DeviceType.META, model.fc1.weight!.device_type);
    }

    [Fact]
    public void A_copy_of_another_shape_fails_before_any_byte_is_compared()
    {
        manual_seed(3);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape), StringComparer.Ordinal);
        tensors["head.weight"] = randn(4, 2);
        string path = Path.Combine(_files.Folder, "shape.safetensors");
        SafeTensorsWriter.Write(path, tensors);

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(MetaConstruction.Build(() => new HandWrittenModel()), path, Single()));

        Assert.Contains("F32[4, 2] and F32[4, 4]", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_copy_in_another_file_of_a_sharded_checkpoint_is_compared_across_files()
    {
        string folder = Path.Combine(_files.Folder, "sharded");
        manual_seed(3);
        var tensors = CheckpointFixture.FullModel().ToDictionary(e => e.Key, e => randn(e.Shape), StringComparer.Ordinal);
        tensors["head.weight"] = -tensors["fc1.weight"];
        SafeTensorsShardedWriteResult written = SafeTensorsShardedWriter.Write(folder, tensors, maxShardBytes: 64);
        Assert.True(written.ShardPaths.Count > 1);

        var error = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(MetaConstruction.Build(() => new HandWrittenModel()), folder, Single()));

        string problem = Assert.Single(error.Problems);
        Assert.Matches(@"'head\.weight' \(model-\d+-of-\d+\.safetensors\) and 'fc1\.weight' \(model-\d+-of-\d+\.safetensors\)", problem);
    }
}
