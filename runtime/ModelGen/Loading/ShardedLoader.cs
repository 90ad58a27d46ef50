using System.Diagnostics;
using ModelGen.Diagnostics;
using ModelGen.Distributed;
using ModelGen.Loading.Transfer;
using ModelGen.Mapping;
using ModelGen.Native;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Loading;

/// <summary>
/// Loads a safetensors checkpoint into a model built on the meta device: rank 0 alone reads, tensor by tensor,
/// straight into the destination; the other ranks allocate each tensor when it arrives; loaded and received tensors
/// are never initialized; only what the checkpoint lacks is initialized, once, on rank 0, and sent so every rank
/// holds the same values. Replicated (the default), every rank receives and holds the whole model; fully sharded
/// (<see cref="LoadOptions.Placement"/>), only its dim-0 rows of each tensor. Every error is agreed on by all ranks:
/// no rank is left waiting.
/// </summary>
public static class ShardedLoader
{
    /// <summary>
    /// Loads <paramref name="checkpointPath"/> (a <c>.safetensors</c> file, a <c>model.safetensors.index.json</c>
    /// or a folder holding either) into <paramref name="model"/>.
    /// </summary>
    /// <param name="model">A model whose tensors are meta placeholders, typically from <see cref="MetaConstruction.Build{T}"/>.</param>
    /// <param name="checkpointPath">The checkpoint. Only rank 0 opens it; other ranks may not even see the path.</param>
    /// <param name="options">Process group, device, dtype, progress; defaults when <see langword="null"/>.</param>
    /// <returns>What this rank loaded, initialized and ignored, with time and memory.</returns>
    /// <exception cref="CheckpointMismatchException">The checkpoint and the model disagree (thrown on every rank, nothing loaded).</exception>
    /// <exception cref="SafeTensorsException">
    /// The checkpoint is broken, unreadable, or changed during the load (rank 0 found it): the same type, rule, file
    /// and key on every rank, whatever the number of ranks; its inner exception is the agreed <see cref="DistributedLoadException"/>.
    /// </exception>
    /// <exception cref="DistributedLoadException">A rank failed otherwise (for example it could not allocate a tensor); thrown on every rank.</exception>
    /// <exception cref="LoadIncompleteException">Tensors were left on the meta device.</exception>
    /// <exception cref="DistributedTimeoutException">A collective waited longer than <see cref="LoadOptions.Timeout"/> (a rank stopped responding); thrown on every live rank, naming the ranks that did not respond.</exception>
    /// <remarks>
    /// When <see cref="LoadOptions.ProcessGroup"/> is <see langword="null"/>, the load runs in the process-wide group
    /// of <see cref="ProcessGroups.FromEnvironment"/>, which stays open afterwards (for training, further loads or
    /// your own collectives) and is finalized when the process exits or when you dispose it.
    /// </remarks>
    public static LoadReport Load(IShardedModel model, string checkpointPath, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return InLoadGroup(checkpointPath, options, (group, settings) =>
            new LoadRun(checkpointPath, settings, group).Execute(model, constructFailure: null, opening: null));
    }

    /// <summary>
    /// Builds <typeparamref name="T"/> on the meta device with <paramref name="factory"/> on every rank, then loads the
    /// checkpoint into it as <see cref="Load"/> does. While the ranks build, rank 0 already opens and validates the
    /// checkpoint on a thread of its own, and a rank whose factory threw is agreed on in the load's first agreement, so
    /// that this costs less than building and then loading.
    /// </summary>
    /// <param name="factory">Builds the model (on the meta device: <see cref="MetaConstruction.Build{T}"/> is applied); called once on every rank.</param>
    /// <param name="checkpointPath">The checkpoint, as for <see cref="Load"/>.</param>
    /// <param name="options">As for <see cref="Load"/>.</param>
    /// <returns>The loaded model and this rank's report, whose <see cref="LoadReport.ConstructSeconds"/> is the time the factory took.</returns>
    /// <exception cref="DistributedLoadException">
    /// The factory threw or returned null on some rank: every rank throws the error of the lowest failing rank (on rank
    /// 0 its factory's error comes before its checkpoint's), and nothing was loaded. Also every failure <see cref="Load"/> lists.
    /// </exception>
    public static (T Model, LoadReport Report) ConstructAndLoad<T>(Func<T> factory, string checkpointPath, LoadOptions? options = null)
        where T : IShardedModel
    {
        ArgumentNullException.ThrowIfNull(factory);
        T? model = default;
        LoadReport report = InLoadGroup(checkpointPath, options, (group, settings) =>
        {
            long start = Stopwatch.GetTimestamp();
            using CheckpointOpening? opening = group.Rank == 0 ? CheckpointOpening.Start(checkpointPath) : null;
            Exception? constructFailure = LocalFailure.Of(() => model = MetaConstruction.Build(factory)
                ?? throw new InvalidOperationException($"The model factory returned null on rank {group.Rank}."));
            double constructSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            LoadReport loaded = new LoadRun(checkpointPath, settings, group).Execute(model, constructFailure, opening);
            return loaded with { ConstructSeconds = constructSeconds };
        });
        return (model!, report);
    }

    /// <summary>Checks the path, applies the default options and runs <paramref name="load"/> in the load's group, under its timeout.</summary>
    private static LoadReport InLoadGroup(string checkpointPath, LoadOptions? options, Func<IProcessGroup, LoadOptions, LoadReport> load)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        options ??= new LoadOptions();
        NativeEnvironment.EnableHugePagesByDefault();

        IProcessGroup group = options.ProcessGroup ?? ProcessGroups.FromEnvironment();
        using (ProcessGroupTimeout.Apply(group, options.Timeout))
            return load(group, options);
    }

    /// <summary>One load: the state that lives from opening the checkpoint to the final check.</summary>
    private sealed class LoadRun(string checkpointPath, LoadOptions options, IProcessGroup group)
    {
        private IShardedModel _model = null!;
        private string _modelName = "";
        private readonly List<string> _loaded = [];
        private readonly List<string> _initialized = [];
        private readonly Dictionary<string, int> _initCalls = new(StringComparer.Ordinal);
        private long _bytesDone;
        private long _progressBytes;
        private long _mappedBytes;
        private long _receivedBytes;
        private readonly List<ShardedSlot> _sharded = [];
        private readonly TransferCounts _counts = new();
        private NodeGroups? _nodes;
        private bool _readsOnEveryNode;
        private bool _readsOwnCopy;
        private int _tensorsDone;
        private readonly LoadPhases _phases = new();

        /// <summary>
        /// Loads into <paramref name="built"/>, or, when this rank could not build its model (<paramref name="constructFailure"/>),
        /// takes part in the first agreement only, so that every rank throws. <paramref name="opening"/> is rank 0's
        /// opening of the checkpoint, when it started earlier.
        /// </summary>
        public LoadReport Execute(IShardedModel? built, Exception? constructFailure, CheckpointOpening? opening)
        {
            long rssBefore = ProcessMemory.CurrentRssBytes();
            var clock = Stopwatch.StartNew();
            _phases.Restart();
            bool isRoot = group.Rank == 0;

            SafeTensorsCheckpoint? checkpoint = null;
            string transportName = "none";
            using CheckpointOpening? ownOpening = isRoot && opening is null ? CheckpointOpening.Run(checkpointPath) : null;
            try
            {
                CheckpointCatalog catalog = ShareCatalog(opening ?? ownOpening, constructFailure, out checkpoint);
                _model = built!;
                _modelName = _model.GetType().FullName ?? _model.GetType().Name;
                _phases.Mark("catalog");
                checkpoint = ShareNodes(checkpoint);
                _phases.Mark("nodes");
                IReadOnlyList<TensorSlot> slots = _model.GetTensorSlots();
                LoadPlan plan = AgreeOnPlan(catalog, slots);
                IReadOnlyList<string> identicalTies = AgreeOnTiedCopies(plan, checkpoint, catalog);
                _phases.Mark("plan");
                int total = plan.Loads.Count + plan.Inits.Count;
                long totalBytes = plan.TotalBytes;

                Exception? computeFailure;
                using (torch.no_grad())
                {
                    using CheckpointMapping? mapping = isRoot && options.MapCheckpoint && options.Device.type == DeviceType.CPU ? new CheckpointMapping() : null;
                    transportName = options.Placement == TensorPlacement.FullyShard
                        ? LoadSharded(plan, checkpoint, mapping, total, totalBytes)
                        : LoadReplicated(plan, checkpoint, mapping, total, totalBytes);

                    // The slots read and write the model's live members, so the list taken for planning still serves.
                    var byKey = slots.ToDictionary(s => s.Key, StringComparer.Ordinal);
                    foreach (TensorSlot tied in plan.Tied)
                        tied.Set(byKey[tied.TiedTo!].Get()!);

                    computeFailure = LocalFailure.Of(() => _model.ComputeBuffers(options.Device));
                }

                // A file cut or rewritten while rank 0 read or mapped it: the same typed error on every rank, agreed in
                // the same round as the computed buffers.
                group.ThrowIfAnyRankFailed(computeFailure ?? LocalFailure.Of(() => checkpoint?.ThrowIfChanged()));

                ModelSharding? sharding = null;
                if (options.Placement == TensorPlacement.FullyShard)
                {
                    sharding = new ModelSharding(group, _sharded, plan.Tied.ToDictionary(s => s.Key, s => s.TiedTo!, StringComparer.Ordinal));
                    ModelSharding.Attach(_model, sharding);
                }

                CheckNothingLeftOnMeta(slots);
                _phases.Mark("finish");
                return new LoadReport
                {
                    Rank = group.Rank,
                    Ranks = group.Size,
                    Backend = group.Backend,
                    Transport = transportName,
                    Placement = options.Placement,
                    Sharding = sharding,
                    ReceivedBytes = _receivedBytes,
                    Node = _nodes?.NodeId ?? 0,
                    Nodes = _nodes?.Layout.Nodes ?? 1,
                    NodeLeader = _nodes?.Leader ?? 0,
                    MpiReceivedBytes = _counts.OverMpi,
                    MpiReceivedFromOtherNodesBytes = _counts.FromOtherNodes,
                    PeerReadBytes = _counts.ByPeerRead,
                    ReadCheckpoint = isRoot || _readsOwnCopy,
                    ModelBytes = totalBytes,
                    LoadedKeys = _loaded,
                    InitializedKeys = _initialized,
                    IgnoredKeys = plan.Ignored,
                    TiedKeys = plan.Tied.Select(s => s.Key).ToArray(),
                    IdenticalTiedKeys = identicalTies,
                    ComputedKeys = plan.Computed.Select(s => s.Key).ToArray(),
                    ParameterBytes = _bytesDone,
                    MappedBytes = _mappedBytes,
                    Seconds = clock.Elapsed.TotalSeconds,
                    PhaseSeconds = _phases.Snapshot(),
                    InitCallsOnLoaded = InitCallsOnLoaded(),
                    RssBeforeLoadBytes = rssBefore,
                    PeakRssBytes = ProcessMemory.PeakRssBytes(),
                };
            }
            finally
            {
                checkpoint?.Dispose();
            }
        }

        /// <summary>Every rank ends up with the whole of every tensor (see <see cref="TensorTransfer"/>); returns the transport's name.</summary>
        private string LoadReplicated(LoadPlan plan, SafeTensorsCheckpoint? checkpoint, CheckpointMapping? mapping, int total, long totalBytes)
        {
            // Steps of a class: a transfer generic over a tuple would be compiled in every fresh process.
            var transfers = plan.Loads
                .Select(step => new ReplicatedStep(step.Slot, Loaded: true, new TransferItem(step.Shape, step.DType,
                    t => checkpoint!.ReadInto(step.Entry.Name, t), () => $"reading '{step.Entry.Name}' from {step.Entry.FilePath}")
                {
                    MapOnRoot = MapperFor(mapping, checkpoint, step.Entry.Name, step.DType),
                    ReadByEveryLeader = _readsOnEveryNode,
                }))
                .Concat(plan.Inits.Select(step => new ReplicatedStep(step.Slot, Loaded: false, new TransferItem(step.Shape, step.DType,
                    t => RunInitializer(step.Slot, t), () => $"initializing '{step.Slot.Key}'"))))
                .ToArray();
            IBatchTransport? transport = TransportSelection.ChooseBatch(group, options.Transport, _counts);
            _phases.Mark("transport");
            TensorTransfer.Run(group, transport, TensorTransfer.Batches(transfers, t => t.Item.ByteCount), t => t.Item, _modelName,
                (batch, tensors) =>
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        if (group.Rank != 0 && !(_readsOwnCopy && batch[i].Item.ReadByEveryLeader)) _receivedBytes += batch[i].Item.ByteCount;
                        Place(batch[i].Slot, ToDevice(tensors[i]));
                        (batch[i].Loaded ? _loaded : _initialized).Add(batch[i].Slot.Key);
                        Report(batch[i].Slot.Key, total, totalBytes, batch[i].Item.ByteCount);
                    }
                }, _readsOwnCopy);
            _phases.Mark("transfer");
            return transport?.Name ?? "none";
        }

        /// <summary>One tensor of a replicated load: its slot, whether the checkpoint has it, and how it moves.</summary>
        private sealed record ReplicatedStep(TensorSlot Slot, bool Loaded, TransferItem Item);

        /// <summary>One tensor of a fully sharded load: its slot, whether the checkpoint has it, and how it moves.</summary>
        private sealed record ShardedStep(TensorSlot Slot, bool Loaded, ShardedLoadItem Item);

        /// <summary>
        /// Every rank ends up with, and receives, only its dim-0 rows of each tensor, except the replicated ones (see
        /// <see cref="ShardedTransfer"/>); returns the transport's name.
        /// </summary>
        private string LoadSharded(LoadPlan plan, SafeTensorsCheckpoint? checkpoint, CheckpointMapping? mapping, int total, long totalBytes)
        {
            IReadOnlyList<string> replicated = [.. _model.ReplicatedKeys, .. options.ReplicatedKeys];
            bool IsSharded(string key, long[] shape) => shape.Length > 0 && !replicated.Any(glob => KeyGlob.IsMatch(glob, key));
            // Plain loops into an array of a class: LINQ over value tuples is compiled in every fresh process on its first load.
            var steps = new ShardedStep[plan.Loads.Count + plan.Inits.Count];
            int next = 0;
            foreach (var step in plan.Loads)
            {
                steps[next++] = new ShardedStep(step.Slot, Loaded: true, new ShardedLoadItem(step.Slot.Key, step.Shape, step.DType, IsSharded(step.Slot.Key, step.Shape),
                    t => checkpoint!.ReadInto(step.Entry.Name, t), () => $"'{step.Entry.Name}' from {step.Entry.FilePath}")
                {
                    MapOnRoot = UnpopulatedMapperFor(mapping, checkpoint, step.Entry.Name, step.DType),
                    ReadRangeOnRoot = RangeReader(checkpoint, step.Entry.Name, step.DType),
                    ReadByEveryLeader = _readsOnEveryNode,
                });
            }
            foreach (var step in plan.Inits)
            {
                steps[next++] = new ShardedStep(step.Slot, Loaded: false, new ShardedLoadItem(step.Slot.Key, step.Shape, step.DType, IsSharded(step.Slot.Key, step.Shape),
                    t => RunInitializer(step.Slot, t), () => $"initializing '{step.Slot.Key}'"));
            }
            var items = new ShardedLoadItem[steps.Length];
            for (int i = 0; i < steps.Length; i++) items[i] = steps[i].Item;

            _phases.Mark("items");
            IShardTransport? transport = TransportSelection.ChooseShard(group, options.Transport, _counts);
            _phases.Mark("transport");
            using var staging = transport as IDisposable;
            _receivedBytes = ShardedTransfer.Run(group, transport, items, _modelName,
                (index, padded, view) =>
                {
                    (TensorSlot slot, bool loaded, ShardedLoadItem item) = steps[index];
                    if (options.Device.type != DeviceType.CPU)
                    {
                        long rows = item.Sharded ? view.shape[0] : 0;
                        if (!ReferenceEquals(view, padded)) view.Dispose();
                        padded = ToDevice(padded);
                        view = item.Sharded ? padded.narrow(0, 0, rows) : padded;
                    }
                    if (item.Sharded)
                    {
                        (long start, long count) = item.RowsOf(group.Rank, group.Size);
                        _sharded.Add(new ShardedSlot(item.Key, item.Shape, item.DType, start, count, ShardMath.ChunkRows(item.Rows, group.Size), padded));
                    }
                    if (mapping is not null && item.MapOnRoot is not null) _mappedBytes += view.numel() * view.ElementSize;
                    Place(slot, view);
                    (loaded ? _loaded : _initialized).Add(slot.Key);
                    Report(slot.Key, total, totalBytes, item.ByteCount);
                }, _readsOwnCopy, _phases);
            _phases.Mark("transfer");
            return transport?.Name ?? "none";
        }

        /// <summary>On rank 0 with mapping on, a view of <paramref name="key"/>'s bytes in the mapped file, pages not yet read; null when it must be read.</summary>
        private static Func<torch.Tensor>? UnpopulatedMapperFor(CheckpointMapping? mapping, SafeTensorsCheckpoint? checkpoint, string key, torch.ScalarType dtype)
        {
            if (MappableEntry(mapping, checkpoint, key, dtype) is not { } entry) return null;
            SafeTensorsFile file = checkpoint!.FileOf(entry);
            return () => mapping!.MapUnpopulated(file, entry);
        }

        /// <summary>On rank 0, how to read byte ranges of <paramref name="key"/> when no conversion is needed; null otherwise.</summary>
        private static ReadBytesOnRoot? RangeReader(SafeTensorsCheckpoint? checkpoint, string key, torch.ScalarType dtype)
        {
            if (checkpoint is null) return null;
            SafeTensorsEntry entry = checkpoint.GetEntry(key);
            if (!entry.DType.TryGetScalarType(out torch.ScalarType fileType) || fileType != dtype) return null;
            return (offset, destination, length) =>
            {
                const int MaxRead = 1 << 30;
                for (long done = 0; done < length; done += MaxRead)
                {
                    int count = (int)Math.Min(MaxRead, length - done);
                    unsafe { checkpoint.ReadBytes(entry, offset + done, new Span<byte>((byte*)destination + done, count)); }
                }
            };
        }

        /// <summary>On rank 0 with mapping on, the entry to map for <paramref name="key"/>; null when it must be read instead.</summary>
        private static SafeTensorsEntry? MappableEntry(CheckpointMapping? mapping, SafeTensorsCheckpoint? checkpoint, string key, torch.ScalarType dtype)
        {
            if (mapping is null || checkpoint is null) return null;
            SafeTensorsEntry entry = checkpoint.GetEntry(key);
            return CheckpointMapping.CanMap(entry, dtype) ? entry : null;
        }

        /// <summary>
        /// Every rank receives the catalog rank 0 opened (<paramref name="opening"/>), or throws the same error: rank 0's,
        /// or that of the lowest rank that could not build its model. The same agreement carries the catalog's length
        /// and, on a job's first load, what each rank knows of its node, so that a load begins with two collectives.
        /// </summary>
        private CheckpointCatalog ShareCatalog(CheckpointOpening? opening, Exception? constructFailure, out SafeTensorsCheckpoint? checkpoint)
        {
            checkpoint = null;
            // Waited for even when this rank's model failed: the catalog's length is read below either way.
            Exception? openFailure = opening?.Wait();
            Exception? failure = constructFailure ?? openFailure;
            NodeGroups.Discovery? discovery = group.Size > 1 ? NodeGroups.Begin(group, Environment.GetEnvironmentVariable, out _nodes) : null;
            var numbers = new long[1 + (discovery?.Keys.Length ?? 0)];
            numbers[0] = opening?.Message.Length ?? 0;
            for (int i = 0; i < (discovery?.Keys.Length ?? 0); i++) numbers[1 + i] = discovery!.Keys[i];
            AgreedMaximum.Of(group, failure ?? discovery?.Failure, numbers);
            if (discovery is not null) _nodes = discovery.Finish(numbers, offset: 1);

            byte[] message = opening?.Message ?? new byte[checked((int)numbers[0])];
            if (group.Size > 1 && message.Length > 0) group.Broadcast(message, root: 0);
            checkpoint = opening?.TakeCheckpoint();
            // Rank 0 keeps the catalog it built rather than a second copy decoded from its own message.
            return opening?.Catalog ?? CheckpointCatalog.Deserialize(message);
        }

        /// <summary>
        /// Takes the job's node groups (found in the catalog's agreement on the job's first load, remembered since) and,
        /// with <see cref="LoadOptions.ReadOnEveryNode"/> on several nodes, opens each leader's own copy of the
        /// checkpoint; returns the checkpoint this rank reads.
        /// </summary>
        private SafeTensorsCheckpoint? ShareNodes(SafeTensorsCheckpoint? checkpoint)
        {
            // With several ranks the catalog's agreement left the groups here (known, or found in it).
            if (group.Size == 1 || _nodes!.Layout.Nodes == 1) return checkpoint;
            // The ranks must agree: a leader reading while rank 0 sends would wait for a message that never comes.
            bool asked = options.ReadOnEveryNode;
            bool anyAsked = group.AllReduceMax(asked ? 1 : 0) == 1;
            group.ThrowIfAnyRankFailed(asked == anyAsked ? null : new ArgumentException(
                $"LoadOptions.ReadOnEveryNode is set on some ranks but not on rank {group.Rank}: set it alike on every rank.", nameof(options)));
            if (!asked) return checkpoint;
            _readsOnEveryNode = true;
            SafeTensorsCheckpoint? own = NodeCheckpointCopies.OpenOnLeaders(_nodes, checkpointPath, checkpoint);
            _readsOwnCopy = own is not null;
            return group.Rank == 0 ? checkpoint : own;
        }

        /// <summary>Every rank plans from the same catalog; a mismatch is the same typed exception on every rank.</summary>
        private LoadPlan AgreeOnPlan(CheckpointCatalog catalog, IReadOnlyList<TensorSlot> slots)
        {
            LoadPlan? plan = null;
            Exception? failure = LocalFailure.Of(() => plan = LoadPlan.Build(_modelName, catalog, slots, options, _model.KeyTable, IsIgnored));
            DistributedLoadException? agreed = group.AgreeOnError(failure);
            if (agreed is not null)
                throw failure is CheckpointMismatchException mismatch ? mismatch : agreed;
            return plan!;
        }

        /// <summary>
        /// Rank 0 compares each tied key's own copy in the checkpoint with the tensor it is tied to; every rank learns the
        /// outcome, so a difference is the same <see cref="CheckpointMismatchException"/> everywhere before anything moves.
        /// Returns the tied keys found identical.
        /// </summary>
        private IReadOnlyList<string> AgreeOnTiedCopies(LoadPlan plan, SafeTensorsCheckpoint? checkpoint, CheckpointCatalog catalog)
        {
            if (plan.TiedCopies.Count == 0) return [];
            byte[] same = [];
            Exception? failure = group.Rank == 0
                ? LocalFailure.Of(() => same = plan.TiedCopies.Select(c => c.HasSameBytes(checkpoint!) ? (byte)1 : (byte)0).ToArray())
                : null;
            group.ThrowIfAnyRankFailed(failure);
            same = group.BroadcastMessage(same);
            var problems = plan.TiedCopies.Where((_, i) => same[i] == 0).Select(c => c.DifferentProblem()).ToList();
            if (problems.Count > 0) throw new CheckpointMismatchException(_modelName, catalog.Source, problems);
            return plan.TiedCopies.Select(c => c.Tied.Name).ToArray();
        }

        /// <summary>
        /// On rank 0, how a loaded tensor is taken from the file's pages instead of read into fresh memory; null when
        /// mapping is off or the entry cannot be mapped (another element type, an unaligned offset).
        /// </summary>
        private Func<torch.Tensor>? MapperFor(CheckpointMapping? mapping, SafeTensorsCheckpoint? checkpoint, string key, torch.ScalarType dtype)
        {
            if (MappableEntry(mapping, checkpoint, key, dtype) is not { } entry) return null;
            SafeTensorsFile file = checkpoint!.FileOf(entry);
            return () =>
            {
                torch.Tensor tensor = mapping!.Map(file, entry);
                _mappedBytes += entry.ByteLength;
                return tensor;
            };
        }

        /// <summary>Moves a received CPU tensor to the target device (a no-op on the CPU).</summary>
        private torch.Tensor ToDevice(torch.Tensor tensor)
        {
            if (options.Device.type == DeviceType.CPU) return tensor;
            torch.Tensor moved = tensor.to(options.Device);
            tensor.Dispose();
            return moved;
        }

        private bool IsIgnored(string key) =>
            _model.KeyTable.IsIgnored(key) || options.IgnoredKeys.Any(glob => KeyGlob.IsMatch(glob, key));

        /// <summary>Initializer calls on loaded keys (a plain loop: a Sum of numbers is compiled in every fresh process).</summary>
        private int InitCallsOnLoaded()
        {
            int calls = 0;
            foreach (string key in _loaded)
                if (_initCalls.TryGetValue(key, out int count)) calls += count;
            return calls;
        }

        private void RunInitializer(TensorSlot slot, torch.Tensor tensor)
        {
            _initCalls[slot.Key] = (_initCalls.TryGetValue(slot.Key, out int calls) ? calls : 0) + 1;
            slot.Initialize!(tensor);
        }

        private void Place(TensorSlot slot, torch.Tensor tensor)
        {
            // Counted first: wrapping into a Parameter takes over the tensor's handle.
            _bytesDone += tensor.numel() * tensor.ElementSize;
            slot.Set(tensor);
        }

        /// <summary>Progress counts whole tensors, so a sharded load, whose ranks each hold a share, still ends at the total.</summary>
        private void Report(string key, int total, long totalBytes, long tensorBytes)
        {
            _progressBytes += tensorBytes;
            options.Progress?.Report(new LoadProgress(key, ++_tensorsDone, total, _progressBytes, totalBytes));
        }

        private void CheckNothingLeftOnMeta(IReadOnlyList<TensorSlot> slots)
        {
            var left = slots
                .Where(s => s.Get() is not { } t || t.device_type == DeviceType.META)
                .Select(s => s.Key)
                .ToArray();
            if (left.Length > 0) throw new LoadIncompleteException(_modelName, left);
        }
    }
}
