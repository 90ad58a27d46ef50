namespace ModelGen.MultiRank.Tests.Launching;

/// <summary>One "rank=R event=E name=value ..." line printed by the worker.</summary>
public sealed record WorkerEvent(int Rank, string Name, IReadOnlyDictionary<string, string> Fields)
{
    public string this[string field] =>
        Fields.TryGetValue(field, out string? value) ? value : throw new KeyNotFoundException($"event {Name} of rank {Rank} has no field '{field}'");

    /// <summary>
    /// Parses a worker line; null for other output (launcher messages). Text before "rank=" (terminal control
    /// sequences a pseudo-terminal may add) is ignored; a "message" field takes the rest of the line.
    /// </summary>
    public static WorkerEvent? TryParse(string line)
    {
        int start = line.IndexOf("rank=", StringComparison.Ordinal);
        if (start < 0)
            return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string rest = line[start..].TrimEnd();
        while (rest.Length > 0)
        {
            int equals = rest.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                return null;
            string key = rest[..equals];
            string valueAndRest = rest[(equals + 1)..];
            int space = key == "message" ? -1 : valueAndRest.IndexOf(' ', StringComparison.Ordinal);
            fields[key] = space < 0 ? valueAndRest : valueAndRest[..space];
            rest = space < 0 ? string.Empty : valueAndRest[(space + 1)..];
        }
        if (!fields.TryGetValue("event", out string? name) || !int.TryParse(fields["rank"], out int rank))
            return null;
        return new WorkerEvent(rank, name, fields);
    }
}
