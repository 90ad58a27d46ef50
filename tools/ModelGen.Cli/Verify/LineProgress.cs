using System.Diagnostics;
using System.Globalization;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Verify;

/// <summary>
/// Progress for a stderr that is a pipe or a file: one line per finished file, plus a line every few seconds
/// inside a large file, so logs show movement without carriage-return noise.
/// </summary>
internal sealed class LineProgress(TextWriter error) : IVerifyProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _clock = new();
    private TimeSpan _lastLine;
    private long _total;
    private int _files;

    public void Started(long totalBytes, int fileCount)
    {
        _total = totalBytes;
        _files = fileCount;
        _clock.Restart();
        _lastLine = TimeSpan.Zero;
        error.WriteLine($"verify: {fileCount} file{(fileCount == 1 ? "" : "s")}, {ByteSizes.Format(totalBytes)} of tensor data");
    }

    public void Advanced(long bytesDone)
    {
        TimeSpan now = _clock.Elapsed;
        if (now - _lastLine < Interval) return;
        _lastLine = now;
        error.WriteLine($"verify: {Status(bytesDone, now)}");
    }

    public void FileCompleted(int fileNumber, string fileName, long bytesDone)
    {
        TimeSpan now = _clock.Elapsed;
        _lastLine = now;
        error.WriteLine($"verify: [{fileNumber}/{_files}] {fileName} read; {Status(bytesDone, now)}");
    }

    public void Finished(long bytesDone) => error.WriteLine($"verify: done; {Status(bytesDone, _clock.Elapsed)}");

    private string Status(long done, TimeSpan elapsed)
    {
        double percent = _total == 0 ? 100 : 100.0 * done / _total;
        return string.Create(CultureInfo.InvariantCulture, $"{ByteSizes.Format(done)} / {ByteSizes.Format(_total)} ({percent:0.0}%), {ByteSizes.Rate(done, elapsed)}");
    }
}
