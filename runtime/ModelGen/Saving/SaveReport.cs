namespace ModelGen.Saving;

/// <summary>What a save wrote, as seen from one rank (every rank gets the same files and keys).</summary>
public sealed class SaveReport
{
    /// <summary>This process's rank.</summary>
    public required int Rank { get; init; }

    /// <summary>The number of ranks in the job.</summary>
    public required int Ranks { get; init; }

    /// <summary>Full path of the written <c>model.safetensors.index.json</c>.</summary>
    public required string IndexPath { get; init; }

    /// <summary>Full paths of the written shards, in order.</summary>
    public required IReadOnlyList<string> ShardPaths { get; init; }

    /// <summary>The keys written, in file order.</summary>
    public required IReadOnlyList<string> WrittenKeys { get; init; }

    /// <summary>Tied keys left out: their tensor is written once, under the key they are tied to.</summary>
    public required IReadOnlyList<string> TiedKeys { get; init; }

    /// <summary>Computed buffers left out: the model recomputes them when it is loaded.</summary>
    public required IReadOnlyList<string> ComputedKeys { get; init; }

    /// <summary>Tensor bytes written, the index's <c>total_size</c>.</summary>
    public required long TotalBytes { get; init; }

    /// <summary>On rank 0, the bytes that came from the other ranks (rows of sharded tensors); 0 on the other ranks.</summary>
    public required long BytesReceived { get; init; }

    /// <summary>The bytes of the reusable buffer this rank gathered into (0 when it needed none).</summary>
    public required long WindowBytes { get; init; }

    /// <summary>Wall time of the save on this rank, in seconds.</summary>
    public required double Seconds { get; init; }
}
