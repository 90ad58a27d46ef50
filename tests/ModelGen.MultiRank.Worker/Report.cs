using System.Globalization;

namespace ModelGen.MultiRank.Worker;

/// <summary>Writes one line per event: "rank=R event=E name=value ...", values without spaces unless last.</summary>
internal sealed class Report(int rank)
{
    public void Event(string name, params (string Key, object Value)[] fields)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"rank={rank} event={name}");
        foreach ((string key, object value) in fields)
            line += string.Create(CultureInfo.InvariantCulture, $" {key}={value}");
        StandardOutput.WriteLine(line);
    }

    public int Fail(string message)
    {
        Console.Error.WriteLine($"rank={rank} error: {message}");
        return 1;
    }
}
