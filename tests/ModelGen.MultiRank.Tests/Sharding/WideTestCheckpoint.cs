using ModelGen.MultiRank.Worker.Loading;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Sharding;

/// <summary>
/// A checkpoint for <see cref="WideTestModel"/> (384 MiB of bfloat16 in two shards), in a temporary folder, for tests
/// that read what a rank holds from its resident memory. Values vary along each tensor, so that a piece put in the
/// wrong place changes the bytes.
/// </summary>
internal sealed class WideTestCheckpoint : IDisposable
{
    public const long ModelBytes = (long)WideTestModel.Layers * WideTestModel.Rows * WideTestModel.Columns * 2;

    public WideTestCheckpoint()
    {
        Folder = Path.Combine(Root, "original");
        var tensors = Enumerable.Range(0, WideTestModel.Layers).Select(i =>
        {
            using torch.Tensor pattern = torch.arange((long)WideTestModel.Rows * WideTestModel.Columns, dtype: torch.ScalarType.Int32).remainder(251 + i);
            torch.Tensor t = pattern.to(torch.ScalarType.BFloat16).view(WideTestModel.Rows, WideTestModel.Columns);
            return new KeyValuePair<string, torch.Tensor>($"layers.{i}.weight", t);
        }).ToList();
        SafeTensorsShardedWriter.Write(Folder, tensors, maxShardBytes: 2 * ModelBytes / WideTestModel.Layers);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    /// <summary>The temporary folder everything of this checkpoint lives in (free for the test's own outputs too).</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "modelgen-wide-" + Guid.NewGuid().ToString("N"));

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
