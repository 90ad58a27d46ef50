namespace ModelGen.Sharding;

/// <summary>Where the tensors of a loaded model live across the ranks of the job.</summary>
public enum TensorPlacement
{
    /// <summary>Every rank holds every tensor whole (DDP style). The default.</summary>
    Replicated,

    /// <summary>
    /// Every rank holds only its <c>torch.chunk</c> rows of dim 0 of each parameter and persistent buffer (FSDP2's
    /// per-parameter <c>Shard(0)</c>); computed buffers and tensors declared replicated stay whole on every rank.
    /// </summary>
    FullyShard,
}
