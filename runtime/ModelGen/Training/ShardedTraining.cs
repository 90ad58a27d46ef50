using ModelGen.Distributed;
using ModelGen.Mapping;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// Trains a fully sharded model (FSDP style): every rank holds its shards, any TorchSharp optimizer built over the
/// model's parameters (the shards) steps them, so the optimizer state is 1/N per rank, and no rank ever holds the whole
/// model. A forward pass with gradients gathers each unit's tensors, runs the unit without gradients and frees the
/// gathered tensors at once; in backward the unit is gathered again and recomputed with gradients, and its full
/// gradients are reduce-scattered (averaged) into each rank's shard gradients, then freed. The root (embedding, final
/// norm, head) stays gathered from its forward until <see cref="Backward"/> reduce-scatters its gradients.
/// </summary>
/// <remarks>
/// <para>Recomputation is the price of memory: autograd would keep every gathered weight a unit's operations save for
/// their backward (TorchSharp cannot free storage behind autograd's back), so a unit's forward runs without gradients
/// and its backward runs it again (about one more forward pass per step). The random generator's state is replayed, so
/// dropout draws the same masks.</para>
/// <para>Tensors kept whole on every rank (replicated keys) get their gradients averaged over the ranks after backward,
/// in buckets, as in <see cref="ReplicatedTraining"/>. Every collective is preceded by an agreement, so a rank whose
/// loss, forward or backward throws ends every rank with the same <see cref="DistributedLoadException"/>.</para>
/// <para>Every rank must run the same forward and backward passes in the same order. Use it instead of
/// <see cref="ShardedForward"/> (its forward pass without gradients is the gathered inference pass).</para>
/// </remarks>
public sealed partial class ShardedTraining : IDisposable
{
    private readonly IProcessGroup _group;
    private readonly TrainingUnit _root;
    private readonly List<TrainingUnit> _units;
    private readonly GradientAverager _replicated;
    private readonly List<torch.Tensor> _shardMembers;
    private readonly List<IDisposable> _hooks = [];
    private readonly torch.Tensor _anchor = torch.zeros(1).requires_grad_(true);
    private readonly Dictionary<string, torch.Tensor> _stashedRootGrads = new(StringComparer.Ordinal);
    private readonly TrafficCounter _traffic;
    private readonly long _windowBytes;
    private DistributedLoadException? _failure;
    private Exception? _unexpected;
    private bool _rootGathered;
    private bool _rootTraining;
    private long _gatheredBytes;

    private ShardedTraining(IProcessGroup group, List<TrainingUnit> units, GradientAverager replicated, List<torch.Tensor> shardMembers, TrafficCounter traffic, long windowBytes)
    {
        _windowBytes = windowBytes;
        _group = group;
        _traffic = traffic;
        Units = units.Select(u => u.Unit).ToList();
        _units = units;
        _root = units[^1];
        _replicated = replicated;
        _shardMembers = shardMembers;
    }

    /// <summary>The units, innermost first; the root (name "") last.</summary>
    public IReadOnlyList<ShardedUnit> Units { get; }

    /// <summary>
    /// The bytes this rank handed to collectives since <see cref="Attach"/> (read it before and after a step for the step's
    /// share): per step, each unit's padded tensors all-gathered twice (forward, and again for its recomputation), the
    /// root's once, every full gradient reduce-scattered once, and the small presence masks, the replicated keys'
    /// buckets and the clipping norm all-reduced.
    /// </summary>
    public CollectiveTraffic Traffic => _traffic.Total;

    /// <summary>The most bytes of gathered tensors this rank held at once so far (the root plus one unit, in backward too).</summary>
    public long PeakGatheredBytes { get; private set; }

    /// <summary>
    /// Hooks the units of <paramref name="model"/>, loaded with <see cref="TensorPlacement.FullyShard"/>, for training.
    /// A collective (it checks with every rank that all train the same replicated tensors). Dispose it to remove the
    /// hooks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was not loaded fully sharded, or a unit's forward does not take one to three tensors and return one.</exception>
    /// <exception cref="ArgumentException">A named unit is not a module of the model.</exception>
    public static ShardedTraining Attach(IShardedModel model, ShardedTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ShardedTrainingOptions();
        if (options.BucketBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.BucketBytes, $"{nameof(ShardedTrainingOptions.BucketBytes)} must be positive.");
        UnitPlan plan = UnitPlan.Of(model, options.Units);
        if (options.MapLargeAllocations) LargeAllocations.MapFromSystem();
        ModelSharding sharding = plan.Sharding;
        var slots = model.GetTensorSlots().ToDictionary(s => s.Key, StringComparer.Ordinal);
        var members = sharding.Sharded.ToDictionary(s => s.Key, s => slots[s.Key].Get()!, StringComparer.Ordinal);
        var memberHandles = members.Values.Select(m => m.Handle).ToHashSet();

        // Trainable tensors held whole on every rank, each once (tied names share one).
        var seen = new HashSet<nint>();
        var replicated = plan.Root.named_parameters()
            .Where(p => p.parameter.requires_grad && !memberHandles.Contains(p.parameter.Handle) && seen.Add(p.parameter.Handle))
            .Select(p => (p.name, Parameter: (torch.Tensor)p.parameter))
            .ToList();

        var runtimeUnits = new List<TrainingUnit>();
        ShardedTraining? training = null;
        foreach (ShardedUnit unit in plan.Units)
        {
            torch.nn.Module module = plan.ModuleOf(unit);
            List<torch.Tensor> own = unit.Keys.Select(k => members[k]).ToList();
            // What else an inner unit's recomputation must differentiate: replicated tensors under it, and tensors of
            // the root it uses (a tied weight), gathered while it runs.
            var ownHandles = own.Select(m => m.Handle).ToHashSet();
            var unitSeen = new HashSet<nint>();
            List<torch.Tensor> others = unit.Name.Length == 0 ? [] : module.parameters()
                .Where(p => p.requires_grad && !ownHandles.Contains(p.Handle) && unitSeen.Add(p.Handle))
                .Select(p => (torch.Tensor)p)
                .ToList();
            runtimeUnits.Add(new TrainingUnit(() => training!, unit, module, unit.Keys.Select(k => sharding.Find(k)!).ToList(), own, others));
        }

        IProcessGroup group = sharding.Group;
        var traffic = new TrafficCounter(group.Size);
        var averager = new GradientAverager(group, replicated, options.BucketBytes, nameof(ShardedTraining), traffic);
        training = new ShardedTraining(group, runtimeUnits, averager, members.Values.ToList(), traffic, options.BucketBytes);
        // The root is always hooked: its forward marks a training pass, even when inner units claim every key.
        foreach (TrainingUnit unit in runtimeUnits.Where(u => u.Members.Count > 0 || ReferenceEquals(u, runtimeUnits[^1])))
            training.Hook(unit);
        return training;
    }

    /// <summary>
    /// Runs this rank's forward pass and loss (<paramref name="computeLoss"/>, which calls the model), then agrees with
    /// every rank: if any rank's threw, every rank throws the same <see cref="DistributedLoadException"/>.
    /// </summary>
    /// <returns>This rank's loss (a single value).</returns>
    public torch.Tensor Forward(Func<torch.Tensor> computeLoss)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        _failure = null;
        _unexpected = null;
        torch.Tensor? loss = null;
        Exception? local = LocalFailure.Of(() => loss = TrainingSteps.Compute(computeLoss));
        // A unit's agreement already told every rank (this one included) about a failure: throw it without agreeing again.
        if (local is not null && ReferenceEquals(local, _failure))
        {
            Reset();
            throw _failure;
        }
        if (_group.AgreeOnError(local) is { } agreed)
        {
            loss?.Dispose();
            Reset();
            throw agreed;
        }
        return loss!;
    }

    /// <summary>
    /// Backward from this rank's <paramref name="loss"/>: every unit's gradients are reduce-scattered into the shards as
    /// backward reaches it, then the root's, then the replicated tensors' gradients are averaged. Afterwards every
    /// shard's <c>grad</c> holds the average over the ranks of its rows' gradients (added to what it held: gradients
    /// accumulate over backward calls as in one process).
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass with gradients preceded it.</exception>
    /// <exception cref="DistributedLoadException">Some rank's backward failed (the same error on every rank).</exception>
    public void Backward(torch.Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Exception? local = _rootTraining ? null : new InvalidOperationException(
            $"{nameof(ShardedTraining)}.{nameof(Backward)} needs a forward pass of the model with gradients enabled first.");
        local ??= LocalFailure.Of(loss.backward) ?? _unexpected;
        if (_failure is { } agreedInBackward)
        {
            Reset();
            throw agreedInBackward;
        }
        if (_group.AgreeOnError(local) is { } agreed)
        {
            Reset();
            throw agreed;
        }
        FinishRoot();
        _replicated.Average();
    }

    /// <summary>
    /// Clips every gradient by the global norm over all ranks' shards and the replicated tensors, as
    /// <c>torch.nn.utils.clip_grad_norm_</c> does over one process's gradients. A collective (one all-reduce).
    /// </summary>
    /// <param name="maxNorm">The largest norm allowed.</param>
    /// <param name="normType">p of the p-norm (2 by default); <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <returns>The total norm before clipping, the same on every rank.</returns>
    public double ClipGradNorm(double maxNorm, double normType = 2.0) =>
        GradientClipping.Clip(_group, _shardMembers, _replicated.Parameters, maxNorm, normType, _traffic);

    /// <summary>Removes the hooks; gathered tensors are freed and every member gets its shard back.</summary>
    public void Dispose()
    {
        foreach (IDisposable hook in _hooks) hook.Dispose();
        _hooks.Clear();
        Reset();
        foreach (TrainingUnit unit in _units) unit.Dispose();
        _anchor.Dispose();
    }

    private void Hook(TrainingUnit unit)
    {
        if (ReferenceEquals(unit, _root))
        {
            _hooks.Add(ForwardHooks.Register(unit.Module, pre: true, _ => BeforeRoot()));
            _hooks.Add(ForwardHooks.Register(unit.Module, pre: false, _ => AfterRoot()));
            return;
        }
        _hooks.Add(ForwardHooks.Register(unit.Module, pre: true, _ => BeforeUnit(unit)));
        _hooks.Add(UnitHooks.RegisterAfter(unit, (inputs, output) => AfterUnit(unit, inputs, output)));
    }

    /// <summary>Agrees with every rank that none failed before the next collective; throws the agreed failure otherwise.</summary>
    private void AgreeBeforeCollective()
    {
        if (_group.AgreeOnError(null) is not { } agreed) return;
        _failure = agreed;
        Reset();
        throw agreed;
    }

    private void BeforeRoot()
    {
        AgreeBeforeCollective();
        if (_rootGathered) return; // a second forward before backward keeps the gathered root
        _rootTraining = torch.is_grad_enabled();
        if (_rootTraining)
        {
            // The root's gradients are full-shaped until Backward reduces them: shard gradients wait aside.
            foreach ((ShardedSlot slot, torch.Tensor member) in _root.Members)
            {
                torch.Tensor? grad = member.grad;
                if (grad is null) continue;
                _stashedRootGrads[slot.Key] = grad;
                member.grad = null;
            }
        }
        _root.Gather();
        _rootGathered = true;
    }

    private void AfterRoot()
    {
        if (_rootTraining) return; // kept for backward
        _root.Release();
        _rootGathered = false;
    }

    private void BeforeUnit(TrainingUnit unit)
    {
        AgreeBeforeCollective();
        unit.Gather();
        if (torch.is_grad_enabled())
            unit.StartWithoutGradients();
    }

    private torch.Tensor? AfterUnit(TrainingUnit unit, torch.Tensor[] inputs, torch.Tensor output)
    {
        torch.Tensor? randomState = unit.EndWithoutGradients();
        unit.Release();
        if (randomState is null) return null; // a forward pass without gradients: nothing to recompute
        var call = new UnitCall(unit, output, inputs, randomState);
        return UnitRecomputation.apply([call, .. inputs, _anchor])[0];
    }

    /// <summary>The root's full gradients, reduce-scattered into its shards; then the root gets its shards back.</summary>
    private void FinishRoot()
    {
        var fullGrads = new List<ShardGradientReduction.Item>();
        foreach ((ShardedSlot slot, torch.Tensor member) in _root.Members)
        {
            fullGrads.Add(new ShardGradientReduction.Item(slot, member.grad, member));
            member.grad = null;
        }
        _root.Release();
        RestoreStashedRootGrads();
        _rootGathered = _rootTraining = false;
        try
        {
            ShardGradientReduction.ReduceScatter(_group, fullGrads, _traffic, _windowBytes);
        }
        finally
        {
            foreach (var item in fullGrads) item.FullGrad?.Dispose();
        }
    }

    private void RestoreStashedRootGrads()
    {
        foreach ((ShardedSlot slot, torch.Tensor member) in _root.Members)
        {
            if (!_stashedRootGrads.Remove(slot.Key, out torch.Tensor? grad)) continue;
            member.grad = grad;
            grad.Dispose();
        }
    }

    /// <summary>After a failure: grad mode restored, every unit and the root back on their shards, the root's full gradients dropped.</summary>
    private void Reset()
    {
        foreach (TrainingUnit unit in _units)
        {
            unit.EndWithoutGradients()?.Dispose();
            unit.Release();
        }
        if (_rootTraining)
        {
            foreach ((_, torch.Tensor member) in _root.Members) member.grad = null;
            RestoreStashedRootGrads();
        }
        _rootGathered = _rootTraining = false;
    }

    private void CountGathered(long bytes)
    {
        _gatheredBytes += bytes;
        PeakGatheredBytes = Math.Max(PeakGatheredBytes, _gatheredBytes);
    }
}
