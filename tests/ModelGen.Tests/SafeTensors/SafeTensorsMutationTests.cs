using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using CsCheck;
using ModelGen.SafeTensors;
using TorchSharp;
using Xunit.Abstractions;

namespace ModelGen.Tests.SafeTensors;

/// <summary>
/// Takes valid files, damages them (byte flips, truncation, splices, insertions, hostile length prefixes,
/// rewritten digits) thousands of times, and checks that every outcome is either a clean open and read of
/// every tensor or one of this layer's typed exceptions, quickly and without allocations driven by hostile
/// length fields.
/// </summary>
public class SafeTensorsMutationTests(ITestOutputHelper output)
{
    private enum MutationKind { Flip, Set, Truncate, Splice, Insert, Delete, LengthPrefix, Digit, JsonChar }

    private readonly record struct Mutation(MutationKind Kind, double At, double Span, byte Value, ulong Number, bool FromOtherFile);

    private static readonly byte[] JsonChars = "{}[]\":,0123456789 -.eE\\u_FUIB"u8.ToArray();

    private static readonly ulong[] InterestingLengths = [0, 1, 7, 8, 100_000_000, 100_000_001, uint.MaxValue, long.MaxValue, ulong.MaxValue];

    private static byte[][] BaseFiles()
    {
        using var folder = new TempFolder();
        string written = folder.File("w.safetensors");
        var tensors = new List<KeyValuePair<string, torch.Tensor>>
        {
            new("a.weight", torch.arange(12, dtype: torch.float32).reshape(3, 4)),
            new("a.bias", torch.arange(5, dtype: torch.bfloat16)),
            new("step", torch.tensor(3L)),
            new("none", torch.empty([0], dtype: torch.@bool)),
            new("bytes", torch.arange(7, dtype: torch.uint8)),
            new("c", torch.complex(torch.ones(2), torch.zeros(2))),
            new("h", torch.ones([2, 0, 3], dtype: torch.float16)),
        };
        SafeTensorsWriter.Write(written, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (_, t) in tensors)
            t.Dispose();

        string json = "  {" + RawSafeTensors.Entry("u", "U16", "3", 8, 14) + "," + RawSafeTensors.Entry("q", "F4", "2,2", 6, 8) + ","
                      + RawSafeTensors.Entry("f8", "F8_E4M3", "6", 0, 6) + ",\"__metadata__\":{\"k\":\"v\"}}\n";
        return [File.ReadAllBytes(written), RawSafeTensors.Build(json, 14)];
    }

    private static byte[] Apply(byte[][] bases, int baseIndex, Mutation[] mutations)
    {
        var bytes = new List<byte>(bases[baseIndex]);
        byte[] other = bases[1 - baseIndex];
        foreach (Mutation m in mutations)
        {
            int Pos(double f, int count) => count == 0 ? 0 : Math.Min(count - 1, (int)(f * count));
            int n = bytes.Count;
            switch (m.Kind)
            {
                // Byte damage lands after the length prefix (LengthPrefix damages that one on purpose).
                case MutationKind.Flip when n > 8:
                    bytes[8 + Pos(m.At, n - 8)] ^= (byte)(m.Value | 1);
                    break;
                case MutationKind.Set when n > 8:
                    bytes[8 + Pos(m.At, n - 8)] = m.Value;
                    break;
                case MutationKind.Truncate:
                {
                    // Mostly a few bytes off the end, sometimes anywhere.
                    int keep = m.FromOtherFile ? Pos(m.At, n + 1) : Math.Max(0, n - 1 - (int)(m.At * 16));
                    bytes.RemoveRange(keep, n - keep);
                    break;
                }
                case MutationKind.Splice when n > 8:
                {
                    byte[] source = m.FromOtherFile ? other : bytes.ToArray();
                    int from = Pos(m.Span, source.Length), to = 8 + Pos(m.At, n - 8);
                    int length = Math.Min(1 + m.Value % 32, Math.Min(source.Length - from, n - to));
                    for (int i = 0; i < length; i++)
                        bytes[to + i] = source[from + i];
                    break;
                }
                case MutationKind.Insert when n >= 8:
                    bytes.InsertRange(8 + Pos(m.At, n - 7), Enumerable.Repeat(JsonChars[m.Value % JsonChars.Length], 1 + (int)(m.Span * 4)));
                    break;
                case MutationKind.Delete when n > 8:
                {
                    int at = 8 + Pos(m.At, n - 8);
                    bytes.RemoveRange(at, Math.Min(n - at, 1 + (int)(m.Span * 8)));
                    break;
                }
                case MutationKind.LengthPrefix when n >= 8:
                {
                    ulong current = BinaryPrimitives.ReadUInt64LittleEndian(bytes.ToArray());
                    ulong value = m.FromOtherFile ? InterestingLengths[m.Value % InterestingLengths.Length] : current + (ulong)(m.Value % 17) - 8;
                    byte[] prefix = new byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(prefix, value);
                    for (int i = 0; i < 8; i++)
                        bytes[i] = prefix[i];
                    break;
                }
                case MutationKind.Digit:
                {
                    // Rewrites a digit of the header: shapes and offsets are where most of the rules live.
                    int[] digits = Enumerable.Range(0, n).Where(i => i >= 8 && bytes[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                    if (digits.Length == 0)
                        break;
                    int at = digits[Pos(m.At, digits.Length)];
                    if (m.FromOtherFile)
                        bytes.InsertRange(at, Encoding.ASCII.GetBytes((m.Number % 100_000).ToString()));
                    else
                        bytes[at] = (byte)('0' + m.Value % 10);
                    break;
                }
                case MutationKind.JsonChar when n > 8:
                    bytes[8 + Pos(m.At, n - 8)] = JsonChars[m.Value % JsonChars.Length];
                    break;
            }
        }
        return bytes.ToArray();
    }

    // Damage to the length prefix or the file length masks everything behind it, so it is drawn less often.
    private static Gen<MutationKind> KindGen => Gen.Frequency(
        (1, Gen.Const(MutationKind.LengthPrefix)), (1, Gen.Const(MutationKind.Truncate)),
        (3, Gen.Const(MutationKind.Flip)), (2, Gen.Const(MutationKind.Set)), (3, Gen.Const(MutationKind.Splice)),
        (2, Gen.Const(MutationKind.Insert)), (2, Gen.Const(MutationKind.Delete)), (6, Gen.Const(MutationKind.Digit)),
        (3, Gen.Const(MutationKind.JsonChar)));

    private static Gen<Mutation> MutationGen =>
        Gen.Select(KindGen, Gen.Double[0, 1], Gen.Double[0, 1], Gen.Byte, Gen.ULong, Gen.Bool,
            (kind, at, span, value, number, other) => new Mutation(kind, at, span, value, number, other));

    /// <summary>Opens and reads everything; returns the outcome's name. Any exception but this layer's escapes.</summary>
    private static string OpenAndReadAll(string path)
    {
        try
        {
            using var file = SafeTensorsFile.Open(path);
            foreach (SafeTensorsEntry entry in file.Entries)
            {
                if (entry.IsReadableAsTensor)
                {
                    using torch.Tensor t = file.Read(entry);
                    Assert.Equal(entry.GetShapeArray(), t.shape);
                }
                else
                {
                    var e = Assert.Throws<SafeTensorsReadException>(() => file.Read(entry));
                    Assert.Equal(SafeTensorsRule.UnsupportedDType, e.Rule);
                    byte[] raw = new byte[entry.ByteLength];
                    file.ReadBytes(entry, 0, raw);
                }
            }
            return "opened and read";
        }
        catch (SafeTensorsException e)
        {
            Assert.Contains(path, e.Message);
            Assert.Contains(e.Rule.ToString(), e.Message);
            return e.Rule.ToString();
        }
    }

    [Fact]
    public void DamagedFilesOpenAndReadCleanlyOrFailWithATypedException()
    {
        byte[][] bases = BaseFiles();
        using var folder = new TempFolder();
        string path = folder.File("mutant.safetensors");
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        Gen<(int, Mutation[])> cases = Gen.Select(Gen.Int[0, 1], MutationGen.Array[1, 4]);

        var clock = Stopwatch.StartNew();
        cases.Sample((baseIndex, mutations) =>
        {
            byte[] bytes = Apply(bases, baseIndex, mutations);
            File.WriteAllBytes(path, bytes);

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var one = Stopwatch.StartNew();
            string outcome = OpenAndReadAll(path);
            one.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            Assert.True(one.Elapsed < TimeSpan.FromSeconds(2), $"one file took {one.Elapsed}");
            // Parsing costs a bounded multiple of the file; a hostile length field must not buy more.
            Assert.True(allocated < 64L * bytes.Length + (1 << 20), $"{allocated} bytes allocated for a {bytes.Length}-byte file");
        }, seed: new PCG(7, 20261125).ToString(), iter: 2500, threads: 1);

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s; outcomes: {string.Join(", ", outcomes.Select(p => $"{p.Key} {p.Value}"))}");
        // The mutations must reach both ends: clean files and a good spread of rules.
        Assert.True(outcomes.GetValueOrDefault("opened and read") > 0);
        Assert.True(outcomes.Count >= 10, string.Join(", ", outcomes.Keys));
    }

    [Fact]
    public void HostileLengthPrefixNeverBuysAnAllocationLargerThanTheFile()
    {
        using var folder = new TempFolder();
        foreach (ulong declared in InterestingLengths)
        {
            byte[] bytes = RawSafeTensors.Build("{}", 0, declared);
            string path = folder.Write("hostile.safetensors", bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            string outcome = OpenAndReadAll(path);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated for declared header length {declared} ({outcome})");
        }
    }

    [Fact]
    public void DamagedIndexFilesOpenCleanlyOrFailWithATypedException()
    {
        using var folder = new TempFolder();
        using (torch.Tensor a = torch.ones(4), b = torch.zeros(2, 2), c = torch.tensor(1L))
            SafeTensorsShardedWriter.Write(folder.Path, [new("a", a), new("b", b), new("c", c)], maxShardBytes: 16);
        string indexPath = folder.File(SafeTensorsCheckpoint.IndexFileName);
        byte[] index = File.ReadAllBytes(indexPath);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);

        MutationGen.Array[1, 3].Sample(mutations =>
        {
            // The same damage as for .safetensors files, on the index text (its first 8 bytes are plain JSON here).
            byte[] damaged = Apply([index, "{\"weight_map\":{\"../a\":\"/x\"}}"u8.ToArray()], 0, mutations);
            File.WriteAllBytes(indexPath, damaged);
            string outcome;
            try
            {
                using var checkpoint = SafeTensorsCheckpoint.Open(indexPath);
                outcome = "opened";
            }
            catch (SafeTensorsException e)
            {
                Assert.Contains(e.Rule.ToString(), e.Message);
                outcome = e.Rule.ToString();
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }, seed: new PCG(11, 20261125).ToString(), iter: 1000, threads: 1);

        output.WriteLine(string.Join(", ", outcomes.Select(p => $"{p.Key} {p.Value}")));
        // The damage must reach past the JSON parser: clean opens, index rejections and shard-level rejections all occur.
        // (Rarer rules such as KeyMissingInShard show up in only a few of the 1000 cases, so they are not required.)
        Assert.True(outcomes.GetValueOrDefault("opened") > 0);
        Assert.True(outcomes.GetValueOrDefault(nameof(SafeTensorsRule.InvalidIndex)) > 0, string.Join(", ", outcomes.Keys));
        Assert.True(outcomes.Count >= 3, string.Join(", ", outcomes.Keys));
    }
}
