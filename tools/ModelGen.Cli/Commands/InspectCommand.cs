using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelGen.Cli.Output;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>modelgen inspect PATH [--json]</c>: every tensor's key, dtype, shape, byte size and file, with totals per dtype
/// and per file. Opens the checkpoint with full header and index validation; never reads weight bytes.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> path = CommonArguments.CheckpointPath();
        Option<bool> json = CommonArguments.Json();
        var command = new Command("inspect", "List the tensors of a checkpoint (keys, dtypes, shapes, sizes, files) from its headers.") { path, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            return CommandGuard.Run(console, "inspect", asJson, () =>
            {
                using SafeTensorsCheckpoint checkpoint = CheckpointFiles.Open(parse.GetValue(path)!);
                var summary = CheckpointSummary.Of(checkpoint);
                if (asJson) WriteJson(console.Output, checkpoint, summary);
                else WriteText(console.Output, checkpoint, summary);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    /// <summary>Entries in natural key order (<c>layers.2</c> before <c>layers.10</c>), as a reader scans them.</summary>
    private static IEnumerable<SafeTensorsEntry> ByKey(SafeTensorsCheckpoint checkpoint) =>
        checkpoint.Entries.OrderBy(e => e.Name, NaturalKeyOrder.Instance);

    private static void WriteText(TextWriter output, SafeTensorsCheckpoint checkpoint, CheckpointSummary summary)
    {
        output.WriteLine($"Checkpoint: {CheckpointLocation.OpenedPath(checkpoint)}");
        var tensors = new TextTable(("KEY", false), ("DTYPE", false), ("SHAPE", false), ("BYTES", true), ("FILE", false));
        foreach (SafeTensorsEntry entry in ByKey(checkpoint))
            tensors.Add(entry.Name, entry.DType.ToString(), JsonOutput.Shape(entry.Shape), Count(entry.ByteLength), CheckpointLocation.RelativeName(checkpoint, entry.FilePath));
        output.WriteLine();
        tensors.Write(output);

        output.WriteLine();
        var dtypes = new TextTable(("DTYPE", false), ("TENSORS", true), ("BYTES", true), ("SIZE", true));
        foreach (var dtype in summary.DTypes)
            dtypes.Add(dtype.DType.ToString(), Count(dtype.Tensors), Count(dtype.Bytes), ByteSizes.Format(dtype.Bytes));
        dtypes.Write(output);

        output.WriteLine();
        var files = new TextTable(("FILE", false), ("TENSORS", true), ("BYTES", true), ("FILE SIZE", true));
        foreach (var file in summary.Files)
            files.Add(file.Name, Count(file.Tensors), Count(file.TensorBytes), Count(file.FileLength));
        files.Write(output);

        output.WriteLine();
        output.WriteLine($"Total: {Count(summary.Tensors)} tensors, {Count(summary.TensorBytes)} bytes ({ByteSizes.Format(summary.TensorBytes)}) in {summary.Files.Count} file{(summary.Files.Count == 1 ? "" : "s")}");
        if (checkpoint.DeclaredTotalSize is long declared && declared != summary.TensorBytes)
            output.WriteLine($"Note: the index declares total_size {Count(declared)}, the tensors add up to {Count(summary.TensorBytes)}.");
    }

    private static void WriteJson(TextWriter output, SafeTensorsCheckpoint checkpoint, CheckpointSummary summary) =>
        JsonOutput.Write(output, w =>
        {
            w.WriteBoolean("ok", true);
            w.WriteString("path", CheckpointLocation.OpenedPath(checkpoint));
            w.WriteString("index", checkpoint.IndexPath is null ? null : Path.GetFileName(checkpoint.IndexPath));
            if (checkpoint.DeclaredTotalSize is long declared) w.WriteNumber("declaredTotalSize", declared);
            else w.WriteNull("declaredTotalSize");
            w.WriteStartArray("tensors");
            foreach (SafeTensorsEntry entry in ByKey(checkpoint))
            {
                w.WriteStartObject();
                w.WriteString("key", entry.Name);
                w.WriteString("dtype", entry.DType.ToString());
                JsonOutput.WriteShape(w, "shape", entry.Shape);
                w.WriteNumber("bytes", entry.ByteLength);
                w.WriteString("file", CheckpointLocation.RelativeName(checkpoint, entry.FilePath));
                w.WriteNumber("offset", entry.FileOffset);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("files");
            foreach (var file in summary.Files)
            {
                w.WriteStartObject();
                w.WriteString("file", file.Name);
                w.WriteNumber("tensors", file.Tensors);
                w.WriteNumber("bytes", file.TensorBytes);
                w.WriteNumber("fileSize", file.FileLength);
                w.WriteStartObject("metadata");
                foreach (var pair in file.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(pair.Key, pair.Value);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("totals");
            w.WriteNumber("tensors", summary.Tensors);
            w.WriteNumber("bytes", summary.TensorBytes);
            w.WriteNumber("files", summary.Files.Count);
            WriteDTypes(w, summary);
            w.WriteEndObject();
        });

    internal static void WriteDTypes(Utf8JsonWriter w, CheckpointSummary summary)
    {
        w.WriteStartObject("dtypes");
        foreach (var dtype in summary.DTypes)
        {
            w.WriteStartObject(dtype.DType.ToString());
            w.WriteNumber("tensors", dtype.Tensors);
            w.WriteNumber("bytes", dtype.Bytes);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
