using ModelGen.Mapping;
using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Sharding;

/// <summary>
/// The units of a fully sharded model, shared by the gathered forward pass and sharded training: the modules named
/// (by default every element of every <c>ModuleList</c>; when some other module holds at least
/// <see cref="OwnUnitBytes"/> of sharded tensors itself, such as an embedding or an LM head, every module outside the
/// lists that holds sharded tensors itself; and the root), each sharded key assigned to the innermost unit it lies
/// under, tied tensors to the root.
/// </summary>
internal sealed class UnitPlan
{
    /// <summary>
    /// By default, once a module outside every module-list element holds at least this many bytes of its own (not tied)
    /// sharded tensors, 1 MiB, every module outside the lists holding sharded tensors of its own becomes a unit: an
    /// embedding or a head is then gathered only while it runs (and again for its backward), not from the start of the
    /// forward pass to the end of backward as the root is. The small ones (a final norm) go with them because a root
    /// module running between two units would break backward on rank 0: there the loaded tensors are views of the
    /// mapped checkpoint file, which share one autograd version counter, so a unit's gathering (a <c>set_</c> on its
    /// members) would look like an in-place change of the root weights autograd saved. Models whose modules outside the
    /// lists are all small keep them in the root, where they cost no collectives of their own.
    /// </summary>
    public const long OwnUnitBytes = 1L << 20;

    private readonly Dictionary<string, torch.nn.Module> _modules;

    private UnitPlan(ModelSharding sharding, torch.nn.Module root, Dictionary<string, torch.nn.Module> modules, IReadOnlyList<ShardedUnit> units)
    {
        Sharding = sharding;
        Root = root;
        _modules = modules;
        Units = units;
    }

    public ModelSharding Sharding { get; }

    public torch.nn.Module Root { get; }

    /// <summary>The units, innermost first; the root (name "") last.</summary>
    public IReadOnlyList<ShardedUnit> Units { get; }

    /// <summary>Every module of the model by its name (the root is "").</summary>
    public IReadOnlyDictionary<string, torch.nn.Module> Modules => _modules;

    public torch.nn.Module ModuleOf(ShardedUnit unit) => unit.Name.Length == 0 ? Root : _modules[unit.Name];

    /// <exception cref="InvalidOperationException">The model was not loaded fully sharded, or is not a TorchSharp module.</exception>
    /// <exception cref="ArgumentException">A named unit is not a module of the model.</exception>
    public static UnitPlan Of(IShardedModel model, IReadOnlyList<string>? unitNames)
    {
        ModelSharding sharding = ModelSharding.Of(model)
            ?? throw new InvalidOperationException($"{model.GetType().Name} was not loaded with {nameof(TensorPlacement)}.{nameof(TensorPlacement.FullyShard)}: it has no shards to gather.");
        if (model is not torch.nn.Module root)
            throw new InvalidOperationException($"{model.GetType().Name} is not a TorchSharp module.");

        var modules = root.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        modules[""] = root;
        IReadOnlyList<string> names = unitNames ?? DefaultUnits(modules, sharding);
        foreach (string name in names)
        {
            if (name.Length > 0 && !modules.ContainsKey(name))
                throw new ArgumentException($"'{name}' is not a module of {model.GetType().Name}; modules are named by their key prefix, for example '{modules.Keys.FirstOrDefault(k => k.Length > 0)}'.", "options");
        }
        return new UnitPlan(sharding, root, modules, AssignKeys(names, sharding));
    }

    /// <summary>Every element of every module list, then the modules outside them when one is large (<see cref="OwnUnitBytes"/>), then the root.</summary>
    private static List<string> DefaultUnits(Dictionary<string, torch.nn.Module> modules, ModelSharding sharding)
    {
        List<string> elements = modules.Where(m => IsModuleList(m.Value))
            .SelectMany(m => m.Value.named_children().Select(c => m.Key.Length == 0 ? c.name : $"{m.Key}.{c.name}"))
            .ToList();
        var tied = new HashSet<string>(sharding.TiedTo.Keys.Concat(sharding.TiedTo.Values), StringComparer.Ordinal);
        var outside = modules
            .Where(m => m.Key.Length > 0 && !IsModuleList(m.Value) && Training.UnitHooks.Supports(m.Value)
                        && !elements.Any(e => e == m.Key || ShardedUnit.Contains(e, m.Key)))
            .Select(m => (m.Key, Bytes: OwnShardedBytes(m.Key, m.Value, sharding, tied)))
            .Where(m => m.Bytes > 0)
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .ToList();
        bool large = outside.Any(m => m.Bytes >= OwnUnitBytes);
        return [.. elements, .. large ? outside.Select(m => m.Key) : [], ""];
    }

    /// <summary>The bytes of the sharded tensors <paramref name="module"/> holds itself (not through its children), tied ones left out.</summary>
    private static long OwnShardedBytes(string name, torch.nn.Module module, ModelSharding sharding, HashSet<string> tied)
    {
        long bytes = 0;
        foreach ((string parameter, _) in module.named_parameters(recurse: false))
        {
            string key = $"{name}.{parameter}";
            if (tied.Contains(key) || sharding.Find(key) is not { } slot) continue;
            bytes += slot.GlobalShape[0] * slot.RowBytes;
        }
        return bytes;
    }

    private static bool IsModuleList(torch.nn.Module module)
    {
        for (Type? type = module.GetType(); type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ModuleList<>)) return true;
        }
        return false;
    }

    /// <summary>Each sharded key goes to the innermost unit it lies under; tied tensors go to the root, which serves all their names.</summary>
    private static List<ShardedUnit> AssignKeys(IReadOnlyList<string> names, ModelSharding sharding)
    {
        var ordered = names.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(n => n.Length).Append("").ToList();
        var keys = ordered.ToDictionary(n => n, _ => new List<string>(), StringComparer.Ordinal);
        var tiedOwners = new HashSet<string>(sharding.TiedTo.Values, StringComparer.Ordinal);
        foreach (ShardedSlot slot in sharding.Sharded)
        {
            string unit = tiedOwners.Contains(slot.Key) ? "" : ordered.First(n => ShardedUnit.Contains(n, slot.Key));
            keys[unit].Add(slot.Key);
        }
        return ordered.Select(n => new ShardedUnit(n, keys[n])).ToList();
    }
}
