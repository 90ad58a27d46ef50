using System.Buffers;
using System.Diagnostics;
using ModelGen.SafeTensors;

namespace ModelGen.Cli.Verify;

/// <summary>
/// Reads every byte of every tensor of an opened (and therefore header- and index-validated) checkpoint, in file
/// and offset order, through one bounded buffer. A file that shrank or fails to read raises the typed error of the
/// safetensors layer, naming the file and the key.
/// </summary>
internal static class CheckpointVerifier
{
    /// <summary>Bytes read per call: large enough for sequential throughput, small enough to keep memory flat.</summary>
    public const int DefaultChunkBytes = 8 << 20;

    public static VerifyResult Verify(SafeTensorsCheckpoint checkpoint, IVerifyProgress progress, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        var clock = Stopwatch.StartNew();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            progress.Started(checkpoint.TotalTensorBytes, checkpoint.Files.Count);
            var files = new List<VerifiedFile>(checkpoint.Files.Count);
            long done = 0;
            for (int i = 0; i < checkpoint.Files.Count; i++)
            {
                SafeTensorsFile file = checkpoint.Files[i];
                long fileBytes = 0;
                foreach (SafeTensorsEntry entry in file.Entries)
                {
                    for (long offset = 0; offset < entry.ByteLength;)
                    {
                        int count = (int)Math.Min(chunkBytes, entry.ByteLength - offset);
                        Read(file, entry, offset, buffer.AsSpan(0, count));
                        offset += count;
                        done += count;
                        fileBytes += count;
                        progress.Advanced(done);
                    }
                }
                files.Add(new VerifiedFile(file.FilePath, file.Entries.Count, fileBytes));
                progress.FileCompleted(i + 1, Path.GetFileName(file.FilePath), done);
            }
            progress.Finished(done);
            return new VerifyResult(files, checkpoint.Entries.Count, done, clock.Elapsed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Read(SafeTensorsFile file, SafeTensorsEntry entry, long offset, Span<byte> destination)
    {
        try
        {
            file.ReadBytes(entry, offset, destination);
        }
        catch (IOException e)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.FileUnreadable, file.FilePath, entry.Name, $"reading {destination.Length} bytes at {offset} into the tensor failed: {e.Message}", e);
        }
    }
}
