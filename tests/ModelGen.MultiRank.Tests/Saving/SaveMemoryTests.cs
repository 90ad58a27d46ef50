using System.Globalization;
using System.Security.Cryptography;
using ModelGen.MultiRank.Tests.Launching;
using ModelGen.MultiRank.Tests.Sharding;
using ModelGen.SafeTensors;

namespace ModelGen.MultiRank.Tests.Saving;

/// <summary>
/// What saving a fully sharded 384 MiB model costs in resident memory on 3 real ranks, read from /proc: rank 0 grows by
/// the window, not by the other ranks' two thirds, and the other ranks allocate nothing; the saved tensors, each 12
/// windows long and spread over 3 ranks, are the original's bytes.
/// </summary>
public sealed class SaveMemoryTests : IDisposable
{
    private const long MiB = 1 << 20;
    private const long Model = WideTestCheckpoint.ModelBytes;
    private const long Window = 8 * MiB;

    /// <summary>Room for what a save allocates besides the window: runtime, plan, file handles, MPI requests.</summary>
    private const long Slack = 40 * MiB;

    private readonly WideTestCheckpoint _wide = new();
    private readonly string _checkpoint;
    private readonly string _out;

    public SaveMemoryTests()
    {
        _checkpoint = _wide.Folder;
        _out = Path.Combine(_wide.Root, "saved");
    }

    public void Dispose() => _wide.Dispose();

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task Rank0GrowsByTheWindowAndTheOthersByNothing(string map)
    {
        WorkerRun run = await WorkerLauncher.MpiRunAsync(
            ["save-memory", $"checkpoint={_checkpoint}", $"out={_out}", $"map={map}", $"window={Window}"], timeout: TimeSpan.FromSeconds(180));

        Assert.True(run.ExitCode == 0, run.ToString());
        var memory = run.Named("save-memory");
        Assert.Equal([0, 1, 2], memory.Select(e => e.Rank));
        foreach (var e in memory)
        {
            long growth = Long(e["peak"]) - Long(e["rssBefore"]);
            Assert.Equal(Model / 3, Long(e["held"]));
            Assert.Equal(e.Rank == 0 ? Window : 0, Long(e["window"]));
            Assert.Equal(e.Rank == 0 ? Model * 2 / 3 : 0, Long(e["bytesReceived"]));
            // Gathering whole tensors (or the model) on rank 0 would take 96 MiB (or 256 MiB) more.
            long bound = (e.Rank == 0 ? Window : 0) + Slack;
            Assert.True(growth <= bound, $"rank {e.Rank} grew by {growth / MiB} MiB while saving, bound {bound / MiB} MiB ({run})");
        }
        Assert.Equal(Digests(_checkpoint), Digests(_out));
    }

    /// <summary>SHA-256 of every tensor's bytes, read in 16 MiB pieces.</summary>
    private static Dictionary<string, string> Digests(string folder)
    {
        using SafeTensorsCheckpoint checkpoint = SafeTensorsCheckpoint.Open(folder);
        byte[] buffer = new byte[16 * MiB];
        return checkpoint.Entries.ToDictionary(e => e.Name, e =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long done = 0; done < e.ByteLength; done += buffer.Length)
            {
                int length = (int)Math.Min(buffer.Length, e.ByteLength - done);
                checkpoint.ReadBytes(e, done, buffer.AsSpan(0, length));
                hash.AppendData(buffer, 0, length);
            }
            return Convert.ToHexString(hash.GetHashAndReset());
        });
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
