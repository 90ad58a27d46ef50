using System.Diagnostics;

namespace ModelGen.Loading;

/// <summary>
/// Wall-clock seconds of the phases of one load on this rank, in the order they ran, so that a slow load can be
/// broken down without a profiler (see <see cref="LoadReport.PhaseSeconds"/>). A phase that runs twice adds up.
/// </summary>
/// <remarks>
/// A short list of a class searched by name, and a plain array for the snapshot: a dictionary of doubles and LINQ
/// over key-value pairs of doubles are compiled in every fresh process, on the load's own clock.
/// </remarks>
internal sealed class LoadPhases
{
    private readonly List<Phase> _phases = [];
    private long _since = Stopwatch.GetTimestamp();

    /// <summary>Starts the first phase now (the load's own clock starts here too), forgetting nothing marked so far.</summary>
    public void Restart() => _since = Stopwatch.GetTimestamp();

    /// <summary>Charges the time since the last mark (or since <see cref="Restart"/>, or since this clock was made) to <paramref name="phase"/>.</summary>
    public void Mark(string phase)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_since, now).TotalSeconds;
        _since = now;
        Find(phase).Seconds += seconds;
    }

    /// <summary>The phases marked so far, in the order they first ran.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Snapshot()
    {
        var snapshot = new KeyValuePair<string, double>[_phases.Count];
        for (int i = 0; i < snapshot.Length; i++)
            snapshot[i] = new KeyValuePair<string, double>(_phases[i].Name, _phases[i].Seconds);
        return snapshot;
    }

    private Phase Find(string name)
    {
        foreach (Phase phase in _phases)
        {
            if (string.Equals(phase.Name, name, StringComparison.Ordinal)) return phase;
        }
        var added = new Phase(name);
        _phases.Add(added);
        return added;
    }

    private sealed class Phase(string name)
    {
        public string Name { get; } = name;

        public double Seconds { get; set; }
    }
}
