using ModelGen.Distributed;
using ModelGen.SafeTensors;

namespace ModelGen.Saving;

/// <summary>How <see cref="ModelSaver"/> writes a model.</summary>
public sealed class SaveOptions
{
    /// <summary>The default <see cref="WindowBytes"/>: 64 MiB.</summary>
    public const long DefaultWindowBytes = 64L << 20;

    /// <summary>
    /// The ranks of the job. <see langword="null"/> (the default) takes the group of a sharded model's
    /// <see cref="Sharding.ModelSharding"/>, and otherwise the process-wide group of
    /// <see cref="ProcessGroups.FromEnvironment"/> (left open), as <see cref="Loading.LoadOptions.ProcessGroup"/> does.
    /// Every rank of the group must call the save.
    /// </summary>
    public IProcessGroup? ProcessGroup { get; init; }

    /// <summary>
    /// The most tensor data one shard file holds, in bytes; 5 GB (the Hugging Face Hub's default) unless set. Headers
    /// do not count, as on the Hub. A tensor larger than the limit gets a shard of its own. Must be positive.
    /// </summary>
    public long MaxShardBytes { get; init; } = SafeTensorsShardedWriter.DefaultMaxShardBytes;

    /// <summary>
    /// The bytes of a sharded tensor that reach rank 0 in one piece: rank 0 gathers every tensor into one reusable
    /// buffer of at most this size and appends it to the file, so it never holds more than its own shards plus this
    /// window. 64 MiB unless set; must be a positive multiple of 8.
    /// </summary>
    public long WindowBytes { get; init; } = DefaultWindowBytes;

    /// <summary>
    /// Whether a checkpoint already in the folder (an index, <c>model.safetensors</c> or <c>model-*-of-*.safetensors</c>
    /// shards) is replaced. <see langword="false"/> (the default) refuses to save into such a folder, on every rank,
    /// before anything is written. When <see langword="true"/>, the old files are removed only once every new shard is
    /// complete.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// The <c>__metadata__</c> of every shard. By default <c>{"format": "pt"}</c>, as transformers' <c>save_pretrained</c>
    /// writes it (transformers refuses safetensors files whose format it does not know); an empty map writes none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };

    /// <summary>Receives progress on rank 0 after every tensor written.</summary>
    public IProgress<SaveProgress>? Progress { get; init; }

    /// <summary>
    /// Called on every rank at named points of the save (<see cref="SaveStage"/>) with the file concerned; an exception
    /// thrown from it is handled as any failure at that point. Lets tests fail a save where a disk or a rank could.
    /// </summary>
    internal Action<SaveStage, string>? OnStage { get; init; }
}

/// <summary>The points of a save at which <see cref="SaveOptions.OnStage"/> is called.</summary>
internal enum SaveStage
{
    /// <summary>Before every piece of a sharded tensor is gathered, on every rank.</summary>
    Piece,

    /// <summary>On rank 0, after a shard's data is written and before the file is completed.</summary>
    ShardWritten,

    /// <summary>On rank 0, before the files are renamed to their final names.</summary>
    Commit,
}
