using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>Totals of an opened checkpoint: tensors and bytes overall, per dtype (in dtype order) and per file (in checkpoint order).</summary>
internal sealed record CheckpointSummary(long Tensors, long TensorBytes, IReadOnlyList<DTypeTotal> DTypes, IReadOnlyList<FileTotal> Files)
{
    public static CheckpointSummary Of(SafeTensorsCheckpoint checkpoint)
    {
        var dtypes = checkpoint.Entries
            .GroupBy(e => e.DType)
            .OrderBy(g => g.Key)
            .Select(g => new DTypeTotal(g.Key, g.Count(), g.Sum(e => e.ByteLength)))
            .ToList();
        var files = checkpoint.Files
            .Select(f => new FileTotal(
                CheckpointLocation.RelativeName(checkpoint, f.FilePath),
                f.Entries.Count,
                f.Entries.Sum(e => e.ByteLength),
                new FileInfo(f.FilePath).Length,
                f.Metadata))
            .ToList();
        return new CheckpointSummary(checkpoint.Entries.Count, checkpoint.TotalTensorBytes, dtypes, files);
    }
}

/// <summary>Tensors of one dtype.</summary>
internal sealed record DTypeTotal(SafeTensorsDType DType, long Tensors, long Bytes);

/// <summary>One file of a checkpoint.</summary>
internal sealed record FileTotal(string Name, long Tensors, long TensorBytes, long FileLength, IReadOnlyDictionary<string, string> Metadata);
