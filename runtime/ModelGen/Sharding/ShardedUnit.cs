namespace ModelGen.Sharding;

/// <summary>
/// A module whose sharded tensors are gathered together just before it runs and freed right after: a decoder layer, say.
/// </summary>
/// <param name="Name">The module's name in the model (its key prefix, for example <c>model.layers.3</c>); empty for the root.</param>
/// <param name="Keys">The sharded keys the unit gathers: those under its name that no inner unit claims (tied keys gather with the tensor they share).</param>
public sealed record ShardedUnit(string Name, IReadOnlyList<string> Keys)
{
    /// <summary>Whether <paramref name="key"/> lies under the module named <paramref name="unit"/> (every key lies under the root, "").</summary>
    public static bool Contains(string unit, string key) =>
        unit.Length == 0 || (key.Length > unit.Length && key.StartsWith(unit, StringComparison.Ordinal) && key[unit.Length] == '.');
}
