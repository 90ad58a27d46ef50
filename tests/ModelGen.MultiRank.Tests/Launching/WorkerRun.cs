namespace ModelGen.MultiRank.Tests.Launching;

/// <summary>What a worker job printed and how it ended.</summary>
public sealed record WorkerRun(int ExitCode, bool TimedOut, TimeSpan Elapsed, string StandardOutput, string StandardError)
{
    /// <summary>Whether the test killed the job once it had printed what the test waited for.</summary>
    public bool EndedByTest { get; init; }

    public IReadOnlyList<WorkerEvent> Events { get; } =
        StandardOutput.Split('\n').Select(WorkerEvent.TryParse).OfType<WorkerEvent>().ToList();

    /// <summary>The events with this name, one per rank expected, ordered by rank.</summary>
    public IReadOnlyList<WorkerEvent> Named(string name) =>
        Events.Where(e => e.Name == name).OrderBy(e => e.Rank).ToList();

    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}{(EndedByTest ? " (ended by the test)" : "")} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}
