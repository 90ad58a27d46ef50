using System.Text.Json;
using ModelGen.SafeTensors;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Benchmarks.Tests;

/// <summary>
/// The floor-sharded scenario under real mpirun: every rank ends up holding exactly its torch.chunk rows of every
/// tensor (checked byte for byte against the file by the scenario's verify step), receives only those, and rank 0's
/// memory stays near its own rows although it maps the whole checkpoint.
/// </summary>
public sealed class ShardedFloorLoadScenarioTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-floor-sharded-" + Guid.NewGuid().ToString("N"));
    private readonly (string Name, long[] Shape, torch.ScalarType Type)[] _tensors =
    [
        ("a.weight", [5, 3], torch.ScalarType.Byte),          // rows do not split evenly
        ("b.bias", [2], torch.ScalarType.Byte),               // fewer rows than ranks
        ("c.scale", [], torch.ScalarType.Float32),            // 0-d: every rank keeps it whole
        ("d.empty", [0, 4], torch.ScalarType.Byte),
        ("e.row", [1, 8], torch.ScalarType.Byte),
        ("f.wide", [1001, 7], torch.ScalarType.Float32),
        ("g.big", [12288, 8192], torch.ScalarType.Byte),      // 96 MiB: many 1 MiB windows
    ];

    public ShardedFloorLoadScenarioTests()
    {
        torch.manual_seed(7);
        var tensors = _tensors.Select(t => new KeyValuePair<string, torch.Tensor>(t.Name,
            t.Type == torch.ScalarType.Byte ? torch.randint(0, 256, t.Shape, dtype: torch.ScalarType.Byte) : torch.randn(t.Shape, dtype: t.Type))).ToList();
        // Two files: the big tensor alone in the second.
        SafeTensorsShardedWriter.Write(_folder, tensors, maxShardBytes: 64 * MiB);
        foreach (var t in tensors) t.Value.Dispose();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private long KeptBytes(int ranks, int rank) => _tensors.Sum(t =>
    {
        long elementSize = t.Type == torch.ScalarType.Float32 ? 4 : 1;
        long bytes = t.Shape.Aggregate(1L, (a, b) => a * b) * elementSize;
        if (t.Shape.Length == 0 || bytes == 0) return bytes;
        return ShardMath.RowsOf(t.Shape[0], ranks, rank).Count * (bytes / t.Shape[0]);
    });

    private long ModelBytes => KeptBytes(1, 0);

    [Fact]
    public async Task OnThreeRanksEachRankHoldsAndReceivesOnlyItsRowsAndRank0DropsTheRest()
    {
        ProgramRun run = await BenchmarkProgram.RunAsync(3, "load-floor-sharded", "--checkpoint", _folder, "--window-mib", "1", "--verify", "true");

        Assert.True(run.ExitCode == 0 && !run.TimedOut, run.ToString());
        JsonElement[] lines = run.Lines();
        Assert.Equal([0, 1, 2], lines.Select(l => l.GetProperty("rank").GetInt32()));
        foreach (JsonElement line in lines)
        {
            int rank = line.GetProperty("rank").GetInt32();
            Assert.Equal("floor-sharded", line.GetProperty("scenario").GetString());
            Assert.Equal("FullyShard", line.GetProperty("placement").GetString());
            Assert.Equal(ModelBytes, line.GetProperty("model_bytes").GetInt64());
            Assert.Equal(KeptBytes(3, rank), line.GetProperty("param_bytes").GetInt64());
            Assert.Equal(rank == 0 ? 0 : KeptBytes(3, rank), line.GetProperty("received_bytes").GetInt64());
        }
        // Rank 0 maps all of the ~96 MiB but keeps only its third resident, plus two 1 MiB windows and the runtime's own.
        long growth = lines[0].GetProperty("peak_rss_bytes").GetInt64() - lines[0].GetProperty("rss_before_load_bytes").GetInt64();
        Assert.InRange(growth, KeptBytes(3, 0), KeptBytes(3, 0) + 40 * MiB);
    }

    [Fact]
    public async Task AloneTheRankKeepsTheWholeModelAndReceivesNothing()
    {
        ProgramRun run = await BenchmarkProgram.RunAsync(0, "load-floor-sharded", "--checkpoint", _folder, "--window-mib", "4", "--verify", "true");

        Assert.True(run.ExitCode == 0 && !run.TimedOut, run.ToString());
        JsonElement line = Assert.Single(run.Lines());
        Assert.Equal((1, ModelBytes, ModelBytes, 0L),
            (line.GetProperty("ranks").GetInt32(), line.GetProperty("param_bytes").GetInt64(), line.GetProperty("model_bytes").GetInt64(), line.GetProperty("received_bytes").GetInt64()));
    }

    [Fact]
    public async Task AMissingCheckpointFailsTheJobNamingThePath()
    {
        string missing = Path.Combine(_folder, "absent");

        ProgramRun run = await BenchmarkProgram.RunAsync(0, "load-floor-sharded", "--checkpoint", missing);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(missing, run.StandardError, StringComparison.Ordinal);
    }
}
