using System.Diagnostics;

namespace ModelGen.Loading;

/// <summary>
/// Wall-clock seconds of the phases of one load on this rank, in the order they ran, so that a slow load can be
/// broken down without a profiler (see <see cref="LoadReport.PhaseSeconds"/>). A phase that runs twice adds up.
/// </summary>
internal sealed class LoadPhases
{
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private long _since = Stopwatch.GetTimestamp();

    /// <summary>Starts the first phase now (the load's own clock starts here too), forgetting nothing marked so far.</summary>
    public void Restart() => _since = Stopwatch.GetTimestamp();

    /// <summary>Charges the time since the last mark (or since <see cref="Restart"/>, or since this clock was made) to <paramref name="phase"/>.</summary>
    public void Mark(string phase)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_since, now).TotalSeconds;
        _since = now;
        if (_seconds.TryAdd(phase, seconds)) _order.Add(phase);
        else _seconds[phase] += seconds;
    }

    /// <summary>The phases marked so far, in the order they first ran.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Snapshot() =>
        _order.Select(name => new KeyValuePair<string, double>(name, _seconds[name])).ToArray();
}
