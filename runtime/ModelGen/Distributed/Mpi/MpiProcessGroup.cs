using ModelGen.Native;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// The ranks of an MPI job (<c>MPI_COMM_WORLD</c>) through Open MPI 4.x. Start the program with <c>mpirun</c>;
/// started alone it is rank 0 of 1. MPI can be initialized once per process, so there is one group per process
/// (<see cref="ProcessGroups.FromEnvironment"/> and <see cref="ProcessGroups.Mpi"/> return it). A group that
/// initialized MPI finalizes it once: when the program disposes it (on every rank: finalizing waits for the other
/// ranks), or otherwise when the process exits with code 0 (<see cref="AppDomain.ProcessExit"/>; a rank exiting with
/// another code leaves ending the job to mpirun). While the group is open, an
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

    /// <summary>The communicator the collectives run on: <c>MPI_COMM_WORLD</c>, or a part of it for a sub-group.</summary>
    private readonly nint _comm;

    /// <summary>The job's group (this one, or the group a sub-group was split from): it owns the timeout and the liveness.</summary>
    private readonly MpiProcessGroup _job;
    private readonly List<MpiProcessGroup> _subGroups = [];
    private readonly nint _pointToPoint;
    private readonly MpiLiveness _liveness;
    private int _maxChunkBytes = BroadcastChunks.DefaultMaxChunkBytes;
    private TimeSpan _timeout = ProcessGroupTimeout.Default;
    private long _collectives;
    private string _operation = "";
    private long _deadline;
    private volatile DistributedTimeoutException? _broken;
    private bool _disposed;

    /// <summary>
    /// The nap of a rank that has waited a while for a latency-bound collective: short enough that it takes its turn
    /// in the collective soon after the others arrive, long enough to leave the core to the ranks doing work.
    /// </summary>
    private const int PollSleepMicroseconds = 100;

    /// <summary>How often a waiting rank looks for another rank's "stopping" message.</summary>
    private static readonly long LivenessPollTicks = Stopwatch.Frequency / 500;

    private MpiProcessGroup(MpiApi api, bool ownsInitialization, int threadLevel)
    {
        _api = api;
        _ownsInitialization = ownsInitialization;
        _comm = api.CommWorld;
        _job = this;
        ThreadLevel = threadLevel;

        int rank, size;
        api.Check(api.CommRank(api.CommWorld, &rank), "MPI_Comm_rank");
        api.Check(api.CommSize(api.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;

        // The ranks sharing this machine's memory are the local ones: their order gives the device index, and the
        // first of them (the lowest rank, as the split keeps the ranks' order) names the machine.
        nint local;
        api.Check(api.CommSplitType(api.CommWorld, MpiApi.CommTypeShared, rank, api.InfoNull, &local), "MPI_Comm_split_type");
        int localRank, localSize;
        api.Check(api.CommRank(local, &localRank), "MPI_Comm_rank");
        api.Check(api.CommSize(local, &localSize), "MPI_Comm_size");
        MachineLeader = FirstRankOf(api, local, rank);
        api.Check(api.CommFree(&local), "MPI_Comm_free");
        LocalRank = localRank;
        LocalSize = localSize;

        // Scatter and gather move their parts point to point; their own communicator keeps them apart from any
        // messages the program sends on MPI_COMM_WORLD itself.
        nint pointToPoint;
        api.Check(api.CommDup(api.CommWorld, &pointToPoint), "MPI_Comm_dup");
        _pointToPoint = pointToPoint;
        _liveness = new MpiLiveness(api, rank, size);
        AppDomain.CurrentDomain.UnhandledException += AbortOnUnhandledException;
        AppDomain.CurrentDomain.ProcessExit += DisposeAtExit;
    }

    /// <summary>A sub-group on <paramref name="comm"/>, a part of <paramref name="job"/>'s ranks.</summary>
    private MpiProcessGroup(MpiProcessGroup job, nint comm)
    {
        _api = job._api;
        _job = job;
        _comm = comm;
        _liveness = job._liveness;
        _maxChunkBytes = job._maxChunkBytes;
        ThreadLevel = job.ThreadLevel;
        int rank, size;
        _api.Check(_api.CommRank(comm, &rank), "MPI_Comm_rank");
        _api.Check(_api.CommSize(comm, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        LocalRank = job.LocalRank;
        LocalSize = job.LocalSize;
        MachineLeader = job.MachineLeader;
        nint pointToPoint;
        _api.Check(_api.CommDup(comm, &pointToPoint), "MPI_Comm_dup");
        _pointToPoint = pointToPoint;
    }

    /// <summary>The rank of <paramref name="local"/>'s first member in the job, known to every member (a constructor-time collective, before any timeout applies).</summary>
    private static long FirstRankOf(MpiApi api, nint local, int rank)
    {
        long first = rank;
        nint request;
        api.Check(api.Ibcast(&first, 1, api.Int64, 0, local, &request), "MPI_Ibcast");
        int done = 0;
        while (true)
        {
            api.Check(api.Testall(1, &request, &done, 0), "MPI_Testall");
            if (done != 0) return first;
            Thread.Yield();
        }
    }

    /// <summary>The lowest rank of the job on this machine (sharing its memory, <c>MPI_COMM_TYPE_SHARED</c>).</summary>
    internal long MachineLeader { get; }

    /// <summary>Whether this group is a part of the job's ranks (made by <see cref="Split"/>).</summary>
    internal bool IsSubGroup => !ReferenceEquals(_job, this);

    /// <summary>
    /// Splits the job's ranks (call it on the job's group, on every rank): the ranks passing the same
    /// non-negative <paramref name="color"/> form a sub-group, ordered by their rank in the job; a rank passing a
    /// negative color joins none and gets <see langword="null"/>. A sub-group's collectives have the job's timeout and
    /// liveness: a rank that stops waiting in one stops every rank waiting in any of the job's groups, and the
    /// timeout names the job's ranks. The job's group frees its sub-groups when it is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on a sub-group.</exception>
    /// <exception cref="DistributedTimeoutException">A rank did not arrive at the split within the timeout.</exception>
    internal MpiProcessGroup? Split(int color)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsSubGroup)
            throw new InvalidOperationException("Only the job's group is split; a sub-group is split from the job's ranks.");
        // MPI_Comm_split blocks without a deadline: every rank first proves it is there through a barrier that has one.
        Barrier();
        nint comm;
        _api.Check(_api.CommSplit(_comm, color < 0 ? MpiApi.Undefined : color, Rank, &comm), "MPI_Comm_split");
        if (comm == _api.CommNull)
            return null;
        var group = new MpiProcessGroup(this, comm);
        lock (OpenLock)
            _subGroups.Add(group);
        return group;
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

    /// <inheritdoc />
    /// <remarks>
    /// Every wait polls a non-blocking MPI call against this deadline. When it passes, this rank tells the others
    /// on a side communicator and listens for a grace period (a quarter of the timeout, 1 to 10 s) for the ranks
    /// still waiting in a collective, which stop too; every live rank then throws
    /// <see cref="DistributedTimeoutException"/> naming the ranks that did not respond.
    /// </remarks>
    /// <remarks>A sub-group shares its job's timeout: reading or setting it here reads or sets the job's.</remarks>
    public TimeSpan Timeout
    {
        get => _job._timeout;
        set
        {
            ProcessGroupTimeout.Check(value);
            _job._timeout = value;
        }
    }

    /// <summary>How long a rank that stops waiting listens for the others.</summary>
    internal TimeSpan Grace => Timeout == System.Threading.Timeout.InfiniteTimeSpan
        ? TimeSpan.FromSeconds(10)
        : TimeSpan.FromTicks(Math.Clamp(Timeout.Ticks / 4, TimeSpan.TicksPerSecond, 10 * TimeSpan.TicksPerSecond));

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
    public void BroadcastNative(nint address, long byteCount, int root = 0) => BroadcastBytes(address, byteCount, root, bulk: true, "Broadcast");

    private void BroadcastBytes(nint address, long byteCount, int root, bool bulk, string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        CollectiveArguments.CheckRange(address, byteCount);
        Enter(operation);
        foreach ((long offset, int length) in BroadcastChunks.Plan(byteCount, _maxChunkBytes))
        {
            nint request;
            _api.Check(_api.Ibcast((byte*)address + offset, length, _api.Byte, root, _comm, &request), "MPI_Ibcast");
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
        BroadcastBytes((nint)(&length), sizeof(long), root, bulk: false, nameof(BroadcastMessage));
        byte[] message = Rank == root ? payload.ToArray() : new byte[checked((int)length)];
        fixed (byte* start = message)
            BroadcastBytes((nint)start, message.Length, root, bulk: true, nameof(BroadcastMessage));
        return message;
    }

    /// <inheritdoc />
    public long AllReduceMax(long value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter(nameof(AllReduceMax));
        return MaxOfEntered(value);
    }

    /// <inheritdoc />
    public void AllReduceMax(Span<long> values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter(nameof(AllReduceMax));
        MaxOfEntered(values);
    }

    /// <summary>
    /// The max-reduction inside a collective that already entered under its own name (the size agreement of a
    /// scatter or gather): a timeout here, and in the data phase after it, names that collective.
    /// </summary>
    private long MaxOfEntered(long value)
    {
        Span<long> one = [value];
        MaxOfEntered(one);
        return one[0];
    }

    /// <summary>The element-wise max-reduction of <paramref name="values"/>, in place, inside a collective already entered.</summary>
    private void MaxOfEntered(Span<long> values)
    {
        if (values.IsEmpty) return;
        // A copy to send from rather than MPI_IN_PLACE, whose value differs between MPI libraries.
        Span<long> sent = values.Length <= 64 ? stackalloc long[values.Length] : new long[values.Length];
        values.CopyTo(sent);
        nint request;
        fixed (long* send = sent)
        fixed (long* data = values)
        {
            _api.Check(_api.Iallreduce(send, data, values.Length, _api.Int64, _api.OpMax, _comm, &request), "MPI_Iallreduce");
            Wait(&request, 1, bulk: false);
        }
    }

    /// <inheritdoc />
    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter(nameof(Barrier));
        nint request;
        _api.Check(_api.Ibarrier(_comm, &request), "MPI_Ibarrier");
        Wait(&request, 1, bulk: false);
    }

    /// <summary>When the waits next probe for ranks that stopped waiting (timestamp ticks).</summary>
    private long _nextLivenessPoll;

    /// <summary>
    /// Starts a collective: refuses at once when the group was ended by a timeout (here or on a rank that said so),
    /// counts it (every rank calls the collectives in the same order, so the numbers match) and sets its deadline.
    /// </summary>
    private void Enter(string operation)
    {
        if (_job._broken is { } broken)
            throw broken.Again(operation);
        _collectives++;
        _operation = operation;
        long now = Stopwatch.GetTimestamp();
        TimeSpan timeout = Timeout;
        _deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : now + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        if (_liveness.FirstStoppedRank() is >= 0 and int stopped)
            Stop(stopped);
        // Just probed: the waits of this collective (one per piece) probe again only once the interval has passed.
        _nextLivenessPoll = now + LivenessPollTicks;
    }

    /// <summary>Stops waiting for good: tells the others, learns who is there, breaks the group and throws.</summary>
    [DoesNotReturn]
    private void Stop(int abandonedBy)
    {
        // The liveness speaks of the job's ranks, so the error does too, whichever group was waiting.
        IReadOnlyList<int> missing = _liveness.Resolve(_collectives, Grace);
        var failure = new DistributedTimeoutException(_job.Rank, _job.Size, _operation, _collectives, Timeout, abandonedBy, missing);
        _job._broken = failure;
        throw failure;
    }

    /// <summary>
    /// Waits for <paramref name="requests"/> by polling, until the collective's deadline. A rank that waits for another (typically while rank 0 reads)
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
            long now = Stopwatch.GetTimestamp();
            if (now >= _nextLivenessPoll)
            {
                _nextLivenessPoll = now + LivenessPollTicks;
                if (_liveness.FirstStoppedRank() is >= 0 and int stopped)
                    Stop(stopped);
            }
            if (now >= _deadline)
                Stop(_job.Rank);
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
        else if (poll < 256) Thread.Sleep(0);
        else Native.ShortSleep.For(PollSleepMicroseconds);
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

    /// <summary>
    /// A group nobody disposed finalizes MPI when the process exits with code 0, so every rank leaves the job cleanly.
    /// A rank that exits with another code (for example Environment.Exit mid-job) does not finalize: MPI_Finalize
    /// would wait for ranks that may be waiting for this one, while mpirun ends the whole job when a rank exits
    /// non-zero. Finalizing waits for the other ranks at most the group's <see cref="Timeout"/>.
    /// </summary>
    private void DisposeAtExit(object? sender, EventArgs e)
    {
        if (Environment.ExitCode != 0 || _disposed)
            return;
        var finalizing = new Thread(() =>
        {
            try
            {
                Dispose();
            }
            catch (MpiException error)
            {
                Console.Error.WriteLine($"Rank {Rank} of {Size}: finalizing MPI at exit failed: {error.Message}");
            }
        })
        { IsBackground = true, Name = "MPI finalize at exit" };
        finalizing.Start();
        if (!finalizing.Join(_timeout))
            Console.Error.WriteLine($"Rank {Rank} of {Size}: MPI_Finalize at exit waited {_timeout} for the other ranks; exiting without it.");
    }

    /// <summary>
    /// Finalizes MPI if this group initialized it and nobody finalized it yet; afterwards no group can be opened in
    /// this process. Call it on every rank, or leave it to the process exit. After a
    /// <see cref="DistributedTimeoutException"/> it returns at once without finalizing (a rank is not answering).
    /// </summary>
    public void Dispose()
    {
        lock (OpenLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (IsSubGroup)
            {
                // A sub-group only gives back its communicators; the job's group finalizes.
                if (_job._broken is null && !IsFinalized())
                    FreeCommunicators();
                return;
            }
            AppDomain.CurrentDomain.UnhandledException -= AbortOnUnhandledException;
            AppDomain.CurrentDomain.ProcessExit -= DisposeAtExit;
            // After a timeout some rank is not answering: MPI_Finalize would wait for it for ever. The process
            // should end; mpirun then ends the job.
            if (_broken is not null)
                return;
            bool finalized = IsFinalized();
            if (!finalized)
            {
                foreach (MpiProcessGroup sub in _subGroups.Where(g => !g._disposed))
                {
                    sub._disposed = true;
                    sub.FreeCommunicators();
                }
                FreeCommunicators();
                _liveness.Free();
            }
            if (!_ownsInitialization)
                return;
            if (!finalized)
                _api.Check(_api.Finalize(), "MPI_Finalize");
        }
    }

    private bool IsFinalized()
    {
        int finalized;
        _api.Check(_api.Finalized(&finalized), "MPI_Finalized");
        return finalized != 0;
    }

    /// <summary>Frees this group's own communicators (a sub-group's split one too, never <c>MPI_COMM_WORLD</c>).</summary>
    private void FreeCommunicators()
    {
        nint pointToPoint = _pointToPoint;
        _api.Check(_api.CommFree(&pointToPoint), "MPI_Comm_free");
        if (!IsSubGroup) return;
        nint comm = _comm;
        _api.Check(_api.CommFree(&comm), "MPI_Comm_free");
    }
}
