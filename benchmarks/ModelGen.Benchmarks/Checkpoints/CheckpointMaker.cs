using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Benchmarks.Checkpoints;

/// <summary>Writes a Llama-shaped checkpoint of random weights of about the requested size.</summary>
internal static class CheckpointMaker
{
    /// <param name="path">A <c>.safetensors</c> file, or a folder when <paramref name="shardMiB"/> is positive.</param>
    /// <param name="gib">Parameter bytes wanted, in GiB (rounded up to whole layers).</param>
    /// <param name="dtypeLabel">bf16, f16 or f32.</param>
    /// <param name="shardMiB">Shard size in MiB for an index-sharded checkpoint; 0 for one file.</param>
    public static void Make(string path, double gib, string dtypeLabel, long shardMiB)
    {
        torch.ScalarType dtype = LlamaShapes.ParseDType(dtypeLabel);
        int elementSize = dtype == torch.ScalarType.Float32 ? 4 : 2;
        LlamaShapes shapes = LlamaShapes.ForParameterBytes((long)(gib * (1L << 30)), elementSize);
        torch.manual_seed(1234);
        var tensors = shapes.Tensors()
            .Select(t => new KeyValuePair<string, torch.Tensor>(t.Name, (torch.randn(t.Shape, dtype: torch.float32) * 0.02f).to(dtype)))
            .ToList();
        if (shardMiB > 0)
            SafeTensorsShardedWriter.Write(path, tensors, shardMiB << 20);
        else
            SafeTensorsWriter.Write(path, tensors);
        long bytes = tensors.Sum(t => t.Value.numel() * t.Value.ElementSize);
        foreach (var t in tensors) t.Value.Dispose();
        Console.Error.WriteLine($"wrote {path}: {shapes.Layers} layers, {bytes / (double)(1L << 30):F2} GiB of {dtypeLabel}");
    }
}
