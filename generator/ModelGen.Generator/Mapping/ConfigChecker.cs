using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Manifest;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// config.json values that change a model's architecture but that the model does not read (no property with that
/// <c>[JsonPropertyName]</c> reaches a shape): the layer count against the top-level layer list, the expert count
/// against the expert lists, and <c>tie_word_embeddings</c> against the model's <c>[TiedTo]</c>.
/// </summary>
internal static class ConfigChecker
{
    private static readonly string[] s_layerLists = { "layers", "h", "blocks" };

    public static void Check(ConfigSpec config, ShapeTable shapes, KeyTable keys, Dictionary<string, SymbolBinding> bindings, List<DiagnosticInfo> into)
    {
        var read = new HashSet<string>(bindings.Values.Where(b => b.FromConfig).Select(b => b.Source), System.StringComparer.Ordinal);
        IReadOnlyDictionary<string, long> values = ShapeUnifier.Values(bindings);

        void CheckCount(string json, System.Func<ShapedList, bool> applies, string what)
        {
            if (config.Find(json) is not { Integer: { } expected } || read.Contains($"config.json '{json}'")) return;
            foreach (ShapedList list in shapes.Lists.Where(applies))
            {
                if (list.Length is not { } length || DimArithmetic.Value(length, values) is not { } actual || actual == expected) continue;
                string name = list.Prefix.Substring(0, list.Prefix.Length - KeyTableBuilder.ListIndex.Length - 1);
                into.Add(DiagnosticInfo.Create(Descriptors.ConfigArchitectureMismatch, length.Location ?? list.Location,
                    json, ShapeUnifier.Format(expected), $"{what} '{name}' gets {ShapeFormat.Dim(length, values)} entries in the model"));
            }
        }

        CheckCount("num_hidden_layers", l => l.Depth == 0 && s_layerLists.Contains(LastSegment(l.Prefix)), "the layer list");
        foreach (string experts in new[] { "num_experts", "num_local_experts" })
        {
            CheckCount(experts, l => LastSegment(l.Prefix) == "experts", "the expert list");
        }

        if (config.Find("tie_word_embeddings") is { Boolean: { } tied } tie)
        {
            KeyEntry? tiedEntry = keys.Entries.FirstOrDefault(e => e.TiedTo is not null);
            if (tied && tiedEntry is null)
            {
                into.Add(DiagnosticInfo.Create(Descriptors.ConfigArchitectureMismatch, shapes.ModelLocation,
                    "tie_word_embeddings", "true", $"'{keys.ModelName}' ties no parameter ([TiedTo]), so it expects an LM head of its own"));
            }
            else if (!tied && tiedEntry is not null)
            {
                into.Add(DiagnosticInfo.Create(Descriptors.ConfigArchitectureMismatch, tiedEntry.Location,
                    "tie_word_embeddings", "false", $"'{tiedEntry.Pattern}' is [TiedTo(\"{tiedEntry.TiedTo}\")]"));
            }
        }
    }

    /// <summary>The field name of a list prefix: <c>model.layers.{i}</c> gives <c>layers</c>.</summary>
    private static string LastSegment(string prefix)
    {
        string name = prefix.Substring(0, prefix.Length - KeyTableBuilder.ListIndex.Length - 1);
        int dot = name.LastIndexOf('.');
        return dot < 0 ? name : name.Substring(dot + 1);
    }
}
