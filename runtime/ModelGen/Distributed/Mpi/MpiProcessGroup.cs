using ModelGen.Native;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// The ranks of an MPI job (<c>MPI_COMM_WORLD</c>) through Open MPI 4.x. Start the program with <c>mpirun</c>;
/// started alone it is rank 0 of 1. MPI can be initialized once per process, so there is one group per process
/// (<see cref="ProcessGroups.FromEnvironment"/> and <see cref="ProcessGroups.Mpi"/> return it). A group that
/// initialized MPI finalizes it once: when the program disposes it (on every rank: finalizing waits for the other
/// ranks), or otherwise when the process exits (<see cref="AppDomain.ProcessExit"/>). While the group is open, an
/// exception that nothing catches aborts the whole job (exit code <see cref="UnhandledExceptionExitCode"/>):
/// otherwise the unwinding would finalize MPI on this rank while the others wait for it in a collective.
/// </summary>
public sealed unsafe partial class MpiProcessGroup : IProcessGroup
{
    private static readonly Lock OpenLock = new();
    private static MpiProcessGroup? s_open;

    /// <summary>The code the job ends with when an exception escapes on a rank while a group is open.</summary>
    public const int UnhandledExceptionExitCode = 1;

    private readonly MpiApi _api;
    private readonly bool _ownsInitialization;
    private readonly nint _pointToPoint;
    private int _maxChunkBytes = BroadcastChunks.DefaultMaxChunkBytes;
    private long _collectives;
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

        // Scatter and gather move their parts point to point; their own communicator keeps them apart from any
        // messages the program sends on MPI_COMM_WORLD itself.
        nint pointToPoint;
        api.Check(api.CommDup(api.CommWorld, &pointToPoint), "MPI_Comm_dup");
        _pointToPoint = pointToPoint;
        AppDomain.CurrentDomain.UnhandledException += AbortOnUnhandledException;
        AppDomain.CurrentDomain.ProcessExit += DisposeAtExit;
    }

    /// <summary>
    /// Initializes MPI (asking for <c>MPI_THREAD_MULTIPLE</c>) unless the process already did, and opens the group
    /// of all ranks.
    /// </summary>
    /// <exception cref="DllNotFoundException">Open MPI is not installed; the message says what to install.</exception>
    /// <exception cref="InvalidOperationException">A group is already open, or MPI was already finalized in this process.</exception>
    public static MpiProcessGroup Create() => Create(MpiApi.DefaultLibraryName);

    /// <summary>The open group of this process, or a new one when there is none.</summary>
    /// <exception cref="InvalidOperationException">MPI was already finalized in this process.</exception>
    internal static MpiProcessGroup OpenOrCreate(string libraryName)
    {
        lock (OpenLock)
        {
            if (s_open is { _disposed: false } open)
                return open;
            return Create(libraryName);
        }
    }

    /// <summary>Opens the group through the MPI library named <paramref name="libraryName"/>.</summary>
    internal static MpiProcessGroup Create(string libraryName)
    {
        MpiApi api = MpiApi.Load(libraryName);
        lock (OpenLock)
        {
            if (s_open is { _disposed: false })
                throw new InvalidOperationException("An MPI process group is already open in this process; share that one (ProcessGroups.Mpi() or ProcessGroups.FromEnvironment() return it).");

            int finalized, initialized;
            api.Check(api.Finalized(&finalized), "MPI_Finalized");
            if (finalized != 0)
                throw new InvalidOperationException(
                    "MPI was already finalized in this process (disposing the process group finalizes it); MPI cannot be " +
                    "initialized twice. Keep the group open until the end: it is finalized when the process exits.");
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

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>Whether this group initialized MPI (and so finalizes it on <see cref="Dispose"/>).</summary>
    internal bool OwnsInitialization => _ownsInitialization;

    /// <summary>The largest piece one MPI call moves; transfers longer than this are split.</summary>
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
    public void BroadcastNative(nint address, long byteCount, int root = 0) => BroadcastBytes(address, byteCount, root, bulk: true);

    private void BroadcastBytes(nint address, long byteCount, int root, bool bulk)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        CollectiveArguments.CheckRange(address, byteCount);
        Enter();
        foreach ((long offset, int length) in BroadcastChunks.Plan(byteCount, _maxChunkBytes))
        {
            nint request;
            _api.Check(_api.Ibcast((byte*)address + offset, length, _api.Byte, root, _api.CommWorld, &request), "MPI_Ibcast");
            Wait(&request, 1, bulk);
        }
    }

    /// <inheritdoc />
    public byte[] BroadcastMessage(ReadOnlySpan<byte> payload, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        long length = Rank == root ? payload.Length : 0;
        // The receivers typically wait here while the root prepares the message: a waiting rank sleeps.
        BroadcastBytes((nint)(&length), sizeof(long), root, bulk: false);
        byte[] message = Rank == root ? payload.ToArray() : new byte[checked((int)length)];
        Broadcast(message, root);
        return message;
    }

    /// <inheritdoc />
    public long AllReduceMax(long value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter();
        long result;
        nint request;
        _api.Check(_api.Iallreduce(&value, &result, 1, _api.Int64, _api.OpMax, _api.CommWorld, &request), "MPI_Iallreduce");
        Wait(&request, 1, bulk: false);
        return result;
    }

    /// <inheritdoc />
    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter();
        nint request;
        _api.Check(_api.Ibarrier(_api.CommWorld, &request), "MPI_Ibarrier");
        Wait(&request, 1, bulk: false);
    }

    /// <summary>Counts this rank's collectives: every rank calls them in the same order, so the numbers match.</summary>
    private void Enter() => _collectives++;

    /// <summary>
    /// Waits for <paramref name="requests"/> by polling. A rank that waits for another (typically while rank 0 reads)
    /// must leave the CPU to the rank doing the work when ranks outnumber cores, so latency-bound waits (one number,
    /// a barrier) back off to 1 ms sleeps. Bulk transfers progress only while MPI is polled, so their waits keep
    /// polling, yielding the core between polls when oversubscribed, as Open MPI's own blocking calls do.
    /// </summary>
    private void Wait(nint* requests, int count, bool bulk)
    {
        int done = 0;
        for (int poll = 0; ; poll++)
        {
            _api.Check(_api.Testall(count, requests, &done, 0), "MPI_Testall");
            if (done != 0) return;
            Pause(poll, bulk);
        }
    }

    private void Pause(int poll, bool bulk)
    {
        if (bulk)
        {
            if (_oversubscribed) Thread.Yield();
            else Thread.SpinWait(16);
        }
        else if (poll < 64) Thread.SpinWait(32);
        else Thread.Sleep(poll < 256 ? 0 : 1);
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

    // A group nobody disposed finalizes MPI when the process ends normally, so every rank leaves the job cleanly.
    private void DisposeAtExit(object? sender, EventArgs e)
    {
        try
        {
            Dispose();
        }
        catch (MpiException error)
        {
            Console.Error.WriteLine($"Rank {Rank} of {Size}: finalizing MPI at exit failed: {error.Message}");
        }
    }

    /// <summary>
    /// Finalizes MPI if this group initialized it and nobody finalized it yet; afterwards no group can be opened in
    /// this process. Call it on every rank, or leave it to the process exit.
    /// </summary>
    public void Dispose()
    {
        lock (OpenLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            AppDomain.CurrentDomain.UnhandledException -= AbortOnUnhandledException;
            AppDomain.CurrentDomain.ProcessExit -= DisposeAtExit;
            int finalized;
            _api.Check(_api.Finalized(&finalized), "MPI_Finalized");
            if (finalized == 0)
            {
                nint pointToPoint = _pointToPoint;
                _api.Check(_api.CommFree(&pointToPoint), "MPI_Comm_free");
            }
            if (!_ownsInitialization)
                return;
            if (finalized == 0)
                _api.Check(_api.Finalize(), "MPI_Finalize");
        }
    }
}
