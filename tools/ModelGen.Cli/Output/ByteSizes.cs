using System.Globalization;

namespace ModelGen.Cli.Output;

/// <summary>Human-readable byte counts in binary units, invariant culture.</summary>
internal static class ByteSizes
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(double bytes)
    {
        int unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0
            ? ((long)bytes).ToString(CultureInfo.InvariantCulture) + " B"
            : bytes.ToString("0.00", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>A rate such as <c>812.40 MiB/s</c>; zero when no time has passed.</summary>
    public static string Rate(long bytes, TimeSpan elapsed) =>
        Format(elapsed.TotalSeconds > 0 ? bytes / elapsed.TotalSeconds : 0) + "/s";
}
