namespace ModelGen.Distributed;

/// <summary>The default and the rules of <see cref="IProcessGroup.Timeout"/>.</summary>
public static class ProcessGroupTimeout
{
    /// <summary>
    /// 10 minutes: long past any single wait of a healthy job (a rank waits in a collective while rank 0 reads one
    /// batch of a checkpoint, or while another rank finishes a training step), short enough that a stopped rank
    /// ends the job within minutes rather than holding every machine. PyTorch's process groups use 10 minutes for
    /// NCCL and 30 for gloo.
    /// </summary>
    public static readonly TimeSpan Default = TimeSpan.FromMinutes(10);

    /// <summary>Throws unless <paramref name="timeout"/> is positive or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is zero or negative (other than infinite).</exception>
    public static void Check(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A collective timeout must be positive, or Timeout.InfiniteTimeSpan to wait for ever.");
    }

    /// <summary>
    /// Sets <paramref name="group"/>'s timeout to <paramref name="timeout"/> (when not <see langword="null"/>) until the
    /// returned scope is disposed, which restores the previous one.
    /// </summary>
    public static IDisposable Apply(IProcessGroup group, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (timeout is not { } value)
            return new Scope(null, default);
        Check(value);
        var scope = new Scope(group, group.Timeout);
        group.Timeout = value;
        return scope;
    }

    private sealed class Scope(IProcessGroup? group, TimeSpan previous) : IDisposable
    {
        public void Dispose()
        {
            if (group is not null)
                group.Timeout = previous;
        }
    }
}
