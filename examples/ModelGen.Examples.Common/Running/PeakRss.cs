namespace ModelGen.Examples.Running;

/// <summary>Resets this process's peak RSS (VmHWM), so a later peak measures only what follows.</summary>
public static class PeakRss
{
    /// <summary>
    /// Writes <c>5</c> to <c>/proc/self/clear_refs</c> (Linux 4.0+), which sets VmHWM to the current RSS. Used after
    /// writing a random checkpoint, whose generated tensors would otherwise count as the load's peak.
    /// </summary>
    /// <returns>Whether the reset happened.</returns>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
