using ModelGen.Distributed;
using TorchSharp;

namespace ModelGen.Loading;

/// <summary>How <see cref="ShardedLoader"/> loads a checkpoint.</summary>
public sealed class LoadOptions
{
    /// <summary>
    /// The ranks of the job. <see langword="null"/> (the default) picks from the environment: MPI when the process
    /// was started by <c>mpirun</c>, otherwise a single process that needs nothing installed.
    /// </summary>
    public IProcessGroup? ProcessGroup { get; init; }

    /// <summary>Where the loaded tensors live. The CPU by default; tensors are read and broadcast on the CPU and moved once.</summary>
    public torch.Device Device { get; init; } = torch.CPU;

    /// <summary>
    /// The element type of every loaded floating-point tensor, converted in bounded chunks while reading.
    /// <see langword="null"/> (the default) keeps each placeholder's own dtype, as the model was built.
    /// </summary>
    public torch.ScalarType? DType { get; init; }

    /// <summary>Checkpoint keys to skip, as globs (<c>*</c> within a segment, <c>**</c> across segments), in addition to the model's own.</summary>
    public IReadOnlyList<string> IgnoredKeys { get; init; } = [];

    /// <summary>
    /// Whether parameters the checkpoint lacks are initialized (the default). When <see langword="false"/>, a
    /// missing parameter is an error on every rank.
    /// </summary>
    public bool InitializeMissing { get; init; } = true;

    /// <summary>Receives progress after every tensor. Reported on every rank.</summary>
    public IProgress<LoadProgress>? Progress { get; init; }
}
