using System.Globalization;
using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// This process's place in a job as its launcher describes it in the environment, readable before (and without)
/// opening a process group: for logs and for choosing the local device.
/// </summary>
/// <param name="Rank">The rank in the job, 0 to <paramref name="Size"/> - 1.</param>
/// <param name="Size">The number of processes in the job.</param>
/// <param name="LocalRank">The rank among the job's processes on this machine.</param>
/// <param name="LocalSize">The number of the job's processes on this machine.</param>
/// <param name="Source">The launcher whose variables were read.</param>
public sealed record RankInfo(int Rank, int Size, int LocalRank, int LocalSize, RankSource Source)
{
    /// <summary>A process on its own: rank 0 of 1.</summary>
    public static RankInfo SingleProcess { get; } = new(0, 1, 0, 1, RankSource.None);

    /// <summary>
    /// Reads the launcher variables of this process. Open MPI's (<c>OMPI_COMM_WORLD_RANK</c>, <c>_SIZE</c>,
    /// <c>_LOCAL_RANK</c>, <c>_LOCAL_SIZE</c>) win over torchrun's (<c>RANK</c>, <c>WORLD_SIZE</c>,
    /// <c>LOCAL_RANK</c>, <c>LOCAL_WORLD_SIZE</c>); with neither, the process is on its own. A missing local rank or
    /// local size is taken as the global one (one machine).
    /// </summary>
    /// <exception cref="InvalidOperationException">A variable is not a number or the values contradict each other.</exception>
    public static RankInfo FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>Like <see cref="FromEnvironment"/>, reading variables through <paramref name="lookup"/>.</summary>
    /// <exception cref="InvalidOperationException">A variable is not a number or the values contradict each other.</exception>
    public static RankInfo FromVariables(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (lookup("OMPI_COMM_WORLD_SIZE") is not null)
            return Read(lookup, RankSource.OpenMpi, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE");
        if (lookup("WORLD_SIZE") is not null)
            return Read(lookup, RankSource.Torchrun, "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE");
        return SingleProcess;
    }

    /// <summary>
    /// The device this rank should use for <paramref name="deviceType"/>: the CPU, or the accelerator whose index is
    /// <see cref="LocalRank"/>.
    /// </summary>
    public torch.Device DeviceFor(DeviceType deviceType) =>
        deviceType == DeviceType.CPU ? torch.CPU : new torch.Device(deviceType, LocalRank);

    /// <inheritdoc />
    public override string ToString() =>
        $"rank {Rank} of {Size} (local {LocalRank} of {LocalSize}, {Source})";

    private static RankInfo Read(Func<string, string?> lookup, RankSource source, string rankName, string sizeName, string localRankName, string localSizeName)
    {
        int size = Parse(lookup, sizeName) ?? throw new InvalidOperationException($"{sizeName} is not set.");
        int rank = Parse(lookup, rankName) ?? throw new InvalidOperationException($"{sizeName} is set but {rankName} is not.");
        int localRank = Parse(lookup, localRankName) ?? rank;
        int localSize = Parse(lookup, localSizeName) ?? size;
        if (size < 1)
            throw new InvalidOperationException($"{sizeName}={size}: a job has at least one process.");
        if (rank >= size)
            throw new InvalidOperationException($"{rankName}={rank} is not below {sizeName}={size}.");
        if (localSize < 1 || localSize > size)
            throw new InvalidOperationException($"{localSizeName}={localSize} must be between 1 and {sizeName}={size}.");
        if (localRank >= localSize)
            throw new InvalidOperationException($"{localRankName}={localRank} is not below {localSizeName}={localSize}.");
        return new RankInfo(rank, size, localRank, localSize, source);
    }

    private static int? Parse(Func<string, string?> lookup, string name)
    {
        string? text = lookup(name);
        if (text is null)
            return null;
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw new InvalidOperationException($"{name}='{text}' is not a non-negative whole number.");
        return value;
    }
}
