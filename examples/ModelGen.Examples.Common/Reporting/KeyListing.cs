using ModelGen.Loading;

namespace ModelGen.Examples.Reporting;

/// <summary>
/// Every key the load did not take from the checkpoint as it stands, one per line: tensors initialized from scratch
/// (they hold random values until trained) and checkpoint keys left out of the model. Nothing is summarized away.
/// </summary>
public static class KeyListing
{
    private const string Indent = "                ";

    /// <summary>The lines for <paramref name="load"/>; none when every tensor came from the checkpoint and every key was used.</summary>
    public static IReadOnlyList<string> Lines(LoadReport load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var lines = new List<string>();
        if (load.InitializedKeys.Count > 0)
        {
            lines.Add($"  initialized {load.InitializedKeys.Count} tensor(s) of the model are not in the checkpoint and were newly initialized; train them before relying on the output:");
            lines.AddRange(load.InitializedKeys.Order(StringComparer.Ordinal).Select(k => Indent + k));
        }
        if (load.IgnoredKeys.Count > 0)
        {
            lines.Add($"  ignored     {load.IgnoredKeys.Count} checkpoint key(s) are not used by the model:");
            lines.AddRange(load.IgnoredKeys.Order(StringComparer.Ordinal).Select(k => Indent + k));
        }
        if (load.IdenticalTiedKeys.Count > 0)
        {
            lines.Add($"  tied copies {load.IdenticalTiedKeys.Count} tied key(s) are also in the checkpoint, byte for byte equal to the tensor they share:");
            lines.AddRange(load.IdenticalTiedKeys.Order(StringComparer.Ordinal).Select(k => Indent + k));
        }
        return lines;
    }
}
