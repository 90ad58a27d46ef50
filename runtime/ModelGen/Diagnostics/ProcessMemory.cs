using System.Globalization;

namespace ModelGen.Diagnostics;

/// <summary>Resident-set figures of this process, from <c>/proc/self/status</c> (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size (VmRSS) in bytes, or -1 where /proc is not available.</summary>
    public static long CurrentRssBytes() => ReadKiB("VmRSS:") * 1024;

    /// <summary>Peak resident set size since the process started (VmHWM) in bytes, or -1 where /proc is not available.</summary>
    public static long PeakRssBytes() => ReadKiB("VmHWM:") * 1024;

    private static long ReadKiB(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return -1;
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        return -1;
    }
}
