using System.Globalization;

namespace ModelGen.MultiRank.Worker;

/// <summary>The name=value arguments after the scenario name.</summary>
internal sealed class WorkerOptions(Dictionary<string, string> values)
{
    public static WorkerOptions Parse(ReadOnlySpan<string> arguments)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string argument in arguments)
        {
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new ArgumentException($"Expected name=value, got '{argument}'.");
            values[argument[..equals]] = argument[(equals + 1)..];
        }
        return new WorkerOptions(values);
    }

    public long Long(string name, long fallback) =>
        values.TryGetValue(name, out string? text) ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public int Int(string name, int fallback) => checked((int)Long(name, fallback));

    public string Text(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    /// <summary>A comma-separated list of ranks, for example "1,2".</summary>
    public IReadOnlySet<int> Ranks(string name) =>
        values.TryGetValue(name, out string? text) && text.Length > 0
            ? text.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToHashSet()
            : new HashSet<int>();
}
