using System.Collections.Generic;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// A <c>[TiedTo]</c> parameter whose own key is in the checkpoint next to the key it is tied to: the checkpoint
/// then holds a head of its own (tie_word_embeddings false), which the load would not use.
/// </summary>
internal static class TieChecker
{
    public static void Check(KeyTable table, HashSet<string> checkpointKeys, List<DiagnosticInfo> into)
    {
        foreach (KeyEntry entry in table.Entries)
        {
            if (entry.TiedTo is null || !checkpointKeys.Contains(entry.Pattern) || !checkpointKeys.Contains(entry.TiedTo)) continue;
            into.Add(DiagnosticInfo.Create(Descriptors.TiedKeyInCheckpoint, entry.Location, entry.Pattern, entry.TiedTo));
        }
    }

    public static HashSet<string> Keys(ManifestSpec manifest)
    {
        var keys = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (ManifestEntry entry in manifest.Entries) keys.Add(entry.Key);
        return keys;
    }
}
