using System.Runtime.CompilerServices;
using ModelGen.Distributed;
using ModelGen.Mapping;

namespace ModelGen.Sharding;

/// <summary>
/// How a fully sharded model is spread over the ranks: for every sharded key, this rank's rows (<see cref="ShardedSlot"/>);
/// every other key of the model (computed buffers, tensors declared replicated) is whole on every rank. Created by
/// <see cref="Loading.ShardedLoader"/> for <see cref="TensorPlacement.FullyShard"/> loads; the gathering forward pass
/// and saving read it through <see cref="Of"/>.
/// </summary>
public sealed class ModelSharding
{
    private static readonly ConditionalWeakTable<IShardedModel, ModelSharding> ByModel = new();
    private readonly Dictionary<string, ShardedSlot> _byKey;

    internal ModelSharding(IProcessGroup group, IReadOnlyList<ShardedSlot> sharded, IReadOnlyDictionary<string, string> tiedTo)
    {
        Group = group;
        Sharded = sharded;
        TiedTo = tiedTo;
        _byKey = sharded.ToDictionary(s => s.Key, StringComparer.Ordinal);
    }

    /// <summary>The ranks the model is spread over; collectives on the model's tensors go through it.</summary>
    public IProcessGroup Group { get; }

    /// <summary>The sharded tensors, in the order they were loaded.</summary>
    public IReadOnlyList<ShardedSlot> Sharded { get; }

    /// <summary>Tied keys and the key whose (sharded or replicated) tensor they share.</summary>
    public IReadOnlyDictionary<string, string> TiedTo { get; }

    /// <summary>The bytes of this rank's own rows of every sharded tensor.</summary>
    public long LocalShardBytes => Sharded.Sum(s => s.RowCount * s.RowBytes);

    /// <summary>This rank's rows of <paramref name="key"/> (a tied key answers for the tensor it shares), or <see langword="null"/> when that key is whole on every rank.</summary>
    public ShardedSlot? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string owner = TiedTo.GetValueOrDefault(key, key);
        return _byKey.GetValueOrDefault(owner);
    }

    /// <summary>The sharding of <paramref name="model"/>, or <see langword="null"/> when it was loaded replicated (or not loaded).</summary>
    public static ModelSharding? Of(IShardedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ByModel.TryGetValue(model, out ModelSharding? sharding) ? sharding : null;
    }

    internal static void Attach(IShardedModel model, ModelSharding sharding) => ByModel.AddOrUpdate(model, sharding);
}
