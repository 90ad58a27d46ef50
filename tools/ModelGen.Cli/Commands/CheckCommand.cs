using System.CommandLine;
using System.Text.Json;
using ModelGen.Cli.Check;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>modelgen check PATH --assembly MODEL.dll [--model NAME] [--config FILE] [--json]</c>: compares a checkpoint (or a committed
/// manifest) with the key table the generator built into a model assembly, and prints what the build would report,
/// with the build's diagnostic IDs. Exits 1 when there is any error or warning.
/// </summary>
internal static class CheckCommand
{
    private const int MaxListed = 10;

    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A .safetensors file, a *.safetensors.index.json, a folder holding one of them, or a committed checkpoint manifest.",
        };
        var assembly = new Option<string>("--assembly", "-a")
        {
            Description = "The built assembly (.dll) that contains the [ShardedModel] class.",
            Required = true,
        };
        var model = new Option<string>("--model", "-m")
        {
            Description = "Full name (or unique simple name) of the [ShardedModel] class; needed when the assembly has several.",
        };
        var config = new Option<string>("--config")
        {
            Description = "The config.json a model built from a config object is constructed with; default: config.json beside the checkpoint.",
        };
        Option<bool> json = CommonArguments.Json();
        var command = new Command("check", "Compare a checkpoint's keys with a built model's key table and print what the build would report.")
        {
            path, assembly, model, config, json,
        };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            return CommandGuard.Run(console, "check", asJson, () =>
            {
                string assemblyPath = parse.GetValue(assembly)!;
                LoadedModel selected = ModelAssemblyLoader.Select(ModelAssemblyLoader.Load(assemblyPath), parse.GetValue(model), Path.GetFullPath(assemblyPath));
                CheckpointKeySet keys = CheckpointKeySet.Read(parse.GetValue(path)!);
                CheckReport report = KeyTableMatcher.Match(selected.Name, selected.Keys, keys.Keys.Select(k => k.Key));
                ShapeOutcome shapes = ModelShapeCheck.Run(selected, keys, parse.GetValue(path)!, parse.GetValue(config));
                report = report with
                {
                    ConfigPath = shapes.ConfigPath,
                    Findings = [.. report.Findings, .. shapes.Findings],
                    ShapesNotChecked = shapes.NotChecked,
                };
                if (asJson) WriteJson(console.Output, keys, report);
                else WriteText(console.Output, keys, report);
                return report.IsClean ? ExitCodes.Ok : ExitCodes.Failed;
            });
        });
        return command;
    }

    private static void WriteText(TextWriter output, CheckpointKeySet keys, CheckReport report)
    {
        output.WriteLine($"Model:      {report.ModelName} ({report.ModelPatterns} key patterns)");
        output.WriteLine($"Checkpoint: {keys.Path} ({report.CheckpointKeys} keys)");
        if (report.ConfigPath is not null) output.WriteLine($"Config:     {report.ConfigPath}");
        output.WriteLine();
        foreach (CheckFinding finding in report.Findings)
            output.WriteLine($"{finding.Severity} {finding.Id}: {finding.Message}");
        if (report.Findings.Count > 0) output.WriteLine();
        foreach (TiedKey tied in report.Tied)
            output.WriteLine($"tied:     '{tied.Pattern}' shares the storage of '{tied.TiedTo}'{(tied.InCheckpoint ? " (the checkpoint also holds a copy)" : "")}");
        foreach (ComputedKey computed in report.Computed)
            output.WriteLine($"computed: '{computed.Pattern}' is computed by the model{(computed.InCheckpoint ? " (the checkpoint also holds it; not loaded)" : "")}");
        if (report.OptionalMissing.Count > 0)
        {
            string examples = string.Join(", ", report.OptionalMissing.Take(MaxListed).Select(k => $"'{k}'"));
            output.WriteLine($"optional: {report.OptionalMissing.Count} key{(report.OptionalMissing.Count == 1 ? "" : "s")} not in the checkpoint, which exist only for some instances ({examples}{(report.OptionalMissing.Count > MaxListed ? ", ..." : "")})");
        }
        if (report.ShapesNotChecked is not null)
            output.WriteLine($"shapes:   not checked (MG0020, MG0022, MG0023): {report.ShapesNotChecked}");
        if (report.IgnoredKeys.Count > 0)
        {
            string examples = string.Join(", ", report.IgnoredKeys.Take(MaxListed).Select(k => $"'{k}'"));
            output.WriteLine($"ignored:  {report.IgnoredKeys.Count} checkpoint key{(report.IgnoredKeys.Count == 1 ? "" : "s")} ({examples}{(report.IgnoredKeys.Count > MaxListed ? ", ..." : "")})");
        }
        var dtypes = new TextTable(("DTYPE", false), ("TENSORS", true), ("BYTES", true));
        foreach (var (dtype, tensors, bytes) in keys.DTypes())
            dtypes.Add(dtype, InspectCommand.Count(tensors), bytes is long b ? InspectCommand.Count(b) : "-");
        output.WriteLine();
        dtypes.Write(output);
        output.WriteLine();
        string outcome = report.Findings.Count == 0 ? "clean: the build reports nothing"
            : report.IsClean ? $"clean: the build reports no error or warning ({string.Join(", ", report.Findings.GroupBy(f => f.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}"))} for information)"
            : $"{report.Findings.Count} finding{(report.Findings.Count == 1 ? "" : "s")} ({string.Join(", ", report.Findings.GroupBy(f => f.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}"))})";
        output.WriteLine($"Result: {outcome}; {report.MappedKeys} of {report.CheckpointKeys} checkpoint keys mapped, {report.IgnoredKeys.Count} ignored");
    }

    private static void WriteJson(TextWriter output, CheckpointKeySet keys, CheckReport report) =>
        JsonOutput.Write(output, w =>
        {
            w.WriteBoolean("ok", report.IsClean);
            w.WriteString("model", report.ModelName);
            w.WriteString("checkpoint", keys.Path);
            w.WriteString("config", report.ConfigPath);
            w.WriteNumber("modelPatterns", report.ModelPatterns);
            w.WriteNumber("checkpointKeys", report.CheckpointKeys);
            w.WriteNumber("mappedKeys", report.MappedKeys);
            w.WriteBoolean("shapesChecked", report.ShapesNotChecked is null);
            w.WriteString("shapesNotChecked", report.ShapesNotChecked);
            w.WriteStartArray("findings");
            foreach (CheckFinding finding in report.Findings)
            {
                w.WriteStartObject();
                w.WriteString("id", finding.Id);
                w.WriteString("severity", finding.Severity);
                w.WriteString("message", finding.Message);
                w.WriteString("key", finding.Key);
                w.WriteString("pattern", finding.Pattern);
                w.WriteString("suggestion", finding.Suggestion);
                w.WriteString("location", finding.Location);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteStrings(w, "ignoredKeys", report.IgnoredKeys);
            w.WriteStartArray("tied");
            foreach (TiedKey tied in report.Tied)
            {
                w.WriteStartObject();
                w.WriteString("pattern", tied.Pattern);
                w.WriteString("tiedTo", tied.TiedTo);
                w.WriteBoolean("inCheckpoint", tied.InCheckpoint);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("computed");
            foreach (ComputedKey computed in report.Computed)
            {
                w.WriteStartObject();
                w.WriteString("pattern", computed.Pattern);
                w.WriteBoolean("inCheckpoint", computed.InCheckpoint);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteStrings(w, "optionalMissing", report.OptionalMissing);
            w.WriteStartObject("dtypes");
            foreach (var (dtype, tensors, bytes) in keys.DTypes())
            {
                w.WriteStartObject(dtype);
                w.WriteNumber("tensors", tensors);
                if (bytes is long b) w.WriteNumber("bytes", b);
                else w.WriteNull("bytes");
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }
}
