using ModelGen.Native;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// The ranks of an MPI job (<c>MPI_COMM_WORLD</c>) through Open MPI 4.x. Start the program with <c>mpirun</c>;
/// started alone it is rank 0 of 1. MPI can be initialized once per process: open one group and dispose it at
/// the end, on every rank (disposing finalizes MPI, which waits for the other ranks). While the group is open, an
/// exception that nothing catches aborts the whole job (exit code <see cref="UnhandledExceptionExitCode"/>):
/// otherwise the unwinding would finalize MPI on this rank while the others wait for it in a collective.
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    private static readonly Lock OpenLock = new();
    private static MpiProcessGroup? s_open;

    /// <summary>The code the job ends with when an exception escapes on a rank while a group is open.</summary>
    public const int UnhandledExceptionExitCode = 1;

    private readonly MpiApi _api;
    private readonly bool _ownsInitialization;
    private int _maxChunkBytes = BroadcastChunks.DefaultMaxChunkBytes;
    private bool _disposed;

    private MpiProcessGroup(MpiApi api, bool ownsInitialization, int threadLevel)
    {
        _api = api;
        _ownsInitialization = ownsInitialization;
        ThreadLevel = threadLevel;

        int rank, size;
        api.Check(api.CommRank(api.CommWorld, &rank), "MPI_Comm_rank");
        api.Check(api.CommSize(api.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;

        // The ranks sharing this machine's memory are the local ones: their order gives the device index.
        nint local;
        api.Check(api.CommSplitType(api.CommWorld, MpiApi.CommTypeShared, rank, api.InfoNull, &local), "MPI_Comm_split_type");
        int localRank, localSize;
        api.Check(api.CommRank(local, &localRank), "MPI_Comm_rank");
        api.Check(api.CommSize(local, &localSize), "MPI_Comm_size");
        api.Check(api.CommFree(&local), "MPI_Comm_free");
        LocalRank = localRank;
        LocalSize = localSize;
        AppDomain.CurrentDomain.UnhandledException += AbortOnUnhandledException;
    }

    /// <summary>
    /// Initializes MPI (asking for <c>MPI_THREAD_MULTIPLE</c>) unless the process already did, and opens the group
    /// of all ranks.
    /// </summary>
    /// <exception cref="DllNotFoundException">Open MPI is not installed; the message says what to install.</exception>
    /// <exception cref="InvalidOperationException">A group is already open, or MPI was already finalized in this process.</exception>
    public static MpiProcessGroup Create() => Create(MpiApi.DefaultLibraryName);

    /// <summary>Opens the group through the MPI library named <paramref name="libraryName"/>.</summary>
    internal static MpiProcessGroup Create(string libraryName)
    {
        MpiApi api = MpiApi.Load(libraryName);
        lock (OpenLock)
        {
            if (s_open is { _disposed: false })
                throw new InvalidOperationException("An MPI process group is already open in this process; share that one.");

            int finalized, initialized;
            api.Check(api.Finalized(&finalized), "MPI_Finalized");
            if (finalized != 0)
                throw new InvalidOperationException("MPI was already finalized in this process; MPI cannot be initialized twice.");
            api.Check(api.Initialized(&initialized), "MPI_Initialized");

            int provided = MpiApi.ThreadMultiple;
            bool ownsInitialization = initialized == 0;
            if (ownsInitialization)
                YieldWhenOversubscribed();
            if (ownsInitialization)
                api.Check(api.InitThread(null, null, MpiApi.ThreadMultiple, &provided), "MPI_Init_thread");
            else
                api.Check(api.QueryThread(&provided), "MPI_Query_thread");

            s_open = new MpiProcessGroup(api, ownsInitialization, provided);
            return s_open;
        }
    }

    /// <summary>
    /// With more ranks on this machine than cores, ranks waiting in a collective busy-poll by default and starve
    /// the rank doing the work (seen: a 3-rank load on 2 cores 30x slower). Open MPI then should yield when idle;
    /// its MCA setting is read at MPI_Init, from the environment, and the user's own setting wins.
    /// </summary>
    private static void YieldWhenOversubscribed()
    {
        RankInfo ranks = RankInfo.FromEnvironment();
        if (ranks.LocalSize > Environment.ProcessorCount)
            Native.NativeEnvironment.SetDefault("OMPI_MCA_mpi_yield_when_idle", "1");
    }

    /// <summary>More ranks of this job on this machine than cores: waiting ranks should sleep, not spin.</summary>
    private readonly bool _oversubscribed = RankInfo.FromEnvironment().LocalSize > Environment.ProcessorCount;

    /// <inheritdoc />
    public string Backend => "mpi";

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public int LocalRank { get; }

    /// <inheritdoc />
    public int LocalSize { get; }

    /// <summary>
    /// The thread support MPI granted: 3 (<c>MPI_THREAD_MULTIPLE</c>) when any thread may call, lower values when
    /// calls must come from one thread at a time.
    /// </summary>
    public int ThreadLevel { get; }

    /// <summary>Whether this group initialized MPI (and so finalizes it on <see cref="Dispose"/>).</summary>
    internal bool OwnsInitialization => _ownsInitialization;

    /// <summary>The largest piece one MPI call moves; broadcasts longer than this are split.</summary>
    internal int MaxChunkBytes
    {
        get => _maxChunkBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxChunkBytes = value;
        }
    }

    /// <inheritdoc />
    public void Broadcast(torch.Tensor tensor, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (nint address, long byteCount) = TensorMemory.Of(tensor, nameof(tensor));
        BroadcastNative(address, byteCount, root);
        GC.KeepAlive(tensor);
    }

    /// <inheritdoc />
    public void Broadcast(Span<byte> buffer, int root = 0)
    {
        fixed (byte* start = buffer)
            BroadcastNative((nint)start, buffer.Length, root);
    }

    /// <inheritdoc />
    public void BroadcastNative(nint address, long byteCount, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        CollectiveArguments.CheckRange(address, byteCount);
        foreach ((long offset, int length) in BroadcastChunks.Plan(byteCount, _maxChunkBytes))
            _api.Check(_api.Bcast((byte*)address + offset, length, _api.Byte, root, _api.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc />
    public byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        long length = Rank == root ? payload.Length : 0;
        BroadcastNative((nint)(&length), sizeof(long), root);
        byte[] message = Rank == root ? payload.ToArray() : new byte[checked((int)length)];
        Broadcast(message, root);
        return message;
    }

    /// <inheritdoc />
    public long AllReduceMax(long value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long result;
        if (!_oversubscribed)
        {
            _api.Check(_api.Allreduce(&value, &result, 1, _api.Int64, _api.OpMax, _api.CommWorld), "MPI_Allreduce");
            return result;
        }

        // With more ranks than cores, a rank that waits here (typically while rank 0 reads the next tensors) must
        // leave the CPU to the rank doing the work: poll a non-blocking reduction and sleep between polls. The
        // message is one number, so the sleeps cost latency only, never bandwidth.
        nint request;
        _api.Check(_api.Iallreduce(&value, &result, 1, _api.Int64, _api.OpMax, _api.CommWorld, &request), "MPI_Iallreduce");
        int done = 0;
        for (int poll = 0; ; poll++)
        {
            _api.Check(_api.Test(&request, &done, 0), "MPI_Test");
            if (done != 0) return result;
            if (poll < 64) Thread.SpinWait(32);
            else Thread.Sleep(poll < 256 ? 0 : 1);
        }
    }

    /// <inheritdoc />
    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _api.Check(_api.Barrier(_api.CommWorld), "MPI_Barrier");
    }

    /// <inheritdoc />
    public DistributedLoadException? AgreeOnError(Exception? localFailure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ErrorAgreement.Agree(this, localFailure);
    }

    /// <inheritdoc />
    [DoesNotReturn]
    public void Abort(int errorCode)
    {
        // After MPI_Finalize no MPI call is allowed: then only this process can be ended.
        int finalized;
        if (_api.Finalized(&finalized) == MpiApi.Success && finalized == 0)
            _api.Abort(_api.CommWorld, errorCode);
        // MPI_Abort does not return; if an implementation ever does, this process still must not go on.
        Environment.Exit(errorCode);
        throw new InvalidOperationException("The process did not exit.");
    }

    // Runs before the unwinding reaches finally blocks (and so before a using statement's Dispose).
    private void AbortOnUnhandledException(object? sender, UnhandledExceptionEventArgs e)
    {
        Console.Error.WriteLine($"Rank {Rank} of {Size}: unhandled exception; aborting the MPI job so no rank waits for this one.{Environment.NewLine}{e.ExceptionObject}");
        Console.Error.Flush();
        Abort(UnhandledExceptionExitCode);
    }

    /// <summary>Finalizes MPI if this group initialized it and nobody finalized it yet. Call it on every rank.</summary>
    public void Dispose()
    {
        lock (OpenLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            AppDomain.CurrentDomain.UnhandledException -= AbortOnUnhandledException;
            if (!_ownsInitialization)
                return;
            int finalized;
            _api.Check(_api.Finalized(&finalized), "MPI_Finalized");
            if (finalized == 0)
                _api.Check(_api.Finalize(), "MPI_Finalize");
        }
    }
}
