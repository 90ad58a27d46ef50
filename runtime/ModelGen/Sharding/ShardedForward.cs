using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>
/// Runs the forward pass of a fully sharded model: just before a unit runs, its tensors are gathered from every rank
/// (one all-gather of the padded shards each) and put into the module; right after it ran, the module gets its shards
/// back and the gathered tensors are freed. At any moment a rank holds its shards plus the gathered tensors of the
/// units running: the root (what no other unit claims, gathered for the whole forward pass) and one inner unit, such
/// as a decoder layer. Every rank must run the same forward passes in the same order, as with any collective.
/// </summary>
/// <remarks>
/// Units are found through TorchSharp's forward hooks, which run when a module is invoked with <c>call(...)</c>
/// (a direct <c>forward(...)</c> call bypasses them and meets its shards, a shape error). The gathered tensors are
/// for inference: a forward pass with gradients enabled is refused, since gradients of gathered tensors would not
/// reach the shards.
/// </remarks>
public sealed class ShardedForward : IDisposable
{
    private readonly ModelSharding _sharding;
    private readonly Dictionary<string, torch.Tensor> _members;
    private readonly Dictionary<string, torch.Tensor> _ownRows;
    private readonly List<IDisposable> _hooks = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _gathered = new(StringComparer.Ordinal);
    private long _gatheredBytes;

    private ShardedForward(IShardedModel model, ModelSharding sharding, IReadOnlyList<ShardedUnit> units)
    {
        _sharding = sharding;
        var slots = model.GetTensorSlots().ToDictionary(s => s.Key, StringComparer.Ordinal);
        _members = sharding.Sharded.ToDictionary(s => s.Key, s => slots[s.Key].Get()!, StringComparer.Ordinal);
        _ownRows = sharding.Sharded.ToDictionary(s => s.Key, s => s.Padded.narrow(0, 0, s.RowCount), StringComparer.Ordinal);
        Units = units;
    }

    /// <summary>The units, innermost first; the root (name "") last.</summary>
    public IReadOnlyList<ShardedUnit> Units { get; }

    /// <summary>The most bytes of gathered tensors held at once on this rank so far.</summary>
    public long PeakGatheredBytes { get; private set; }

    /// <summary>
    /// Hooks the units of <paramref name="model"/>, which must have been loaded with
    /// <see cref="TensorPlacement.FullyShard"/>, so that its forward pass gathers each unit's tensors while it runs.
    /// Dispose the result to remove the hooks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was not loaded fully sharded, or is not a TorchSharp module.</exception>
    /// <exception cref="ArgumentException">A named unit is not a module of the model.</exception>
    public static ShardedForward Attach(IShardedModel model, ShardedForwardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        UnitPlan plan = UnitPlan.Of(model, options?.Units);
        var runtime = new ShardedForward(model, plan.Sharding, plan.Units);
        foreach (ShardedUnit unit in plan.Units.Where(u => u.Keys.Count > 0))
            runtime.Hook(plan.ModuleOf(unit), unit);
        return runtime;
    }

    private void Hook(torch.nn.Module module, ShardedUnit unit)
    {
        _hooks.Add(ForwardHooks.Register(module, pre: true, _ => Gather(unit)));
        _hooks.Add(ForwardHooks.Register(module, pre: false, _ => Release(unit)));
    }

    private void Gather(ShardedUnit unit)
    {
        if (torch.is_grad_enabled())
            throw new InvalidOperationException(
                $"The forward pass of a fully sharded model runs with gradients disabled (torch.no_grad()): unit '{unit.Name}' would gather tensors whose gradients never reach the shards.");
        Release(unit); // a unit whose last run failed half-way may still hold gathered tensors
        _gathered[unit.Name] = unit.Keys;
        foreach (string key in unit.Keys)
        {
            // The module keeps its own tensor object (optimizers and tied names hold it); only its storage changes.
            using torch.Tensor full = ShardGathering.Gather(_sharding.Group, _sharding.Find(key)!);
            _members[key].set_(full);
            _gatheredBytes += full.numel() * full.element_size();
        }
        PeakGatheredBytes = Math.Max(PeakGatheredBytes, _gatheredBytes);
    }

    private void Release(ShardedUnit unit)
    {
        if (!_gathered.Remove(unit.Name)) return;
        foreach (string key in unit.Keys)
        {
            torch.Tensor member = _members[key];
            _gatheredBytes -= member.numel() * member.element_size();
            member.set_(_ownRows[key]);
        }
    }

    /// <summary>Removes the hooks; a unit still gathered gets its shards back.</summary>
    public void Dispose()
    {
        foreach (IDisposable hook in _hooks) hook.Dispose();
        _hooks.Clear();
        foreach (ShardedUnit unit in Units) Release(unit);
        foreach (torch.Tensor rows in _ownRows.Values) rows.Dispose();
        _ownRows.Clear();
    }
}
