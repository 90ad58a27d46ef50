using System.Diagnostics;
using System.Globalization;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Verify;

/// <summary>A progress bar redrawn in place (carriage return) on an interactive stderr, at most ten times a second.</summary>
internal sealed class TerminalProgress(TextWriter error) : IVerifyProgress
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly Stopwatch _clock = new();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private long _total;
    private int _files;
    private int _filesDone;

    public void Started(long totalBytes, int fileCount)
    {
        _total = totalBytes;
        _files = fileCount;
        _clock.Restart();
        Draw(0, force: true);
    }

    public void Advanced(long bytesDone) => Draw(bytesDone, force: false);

    public void FileCompleted(int fileNumber, string fileName, long bytesDone)
    {
        _filesDone = fileNumber;
        Draw(bytesDone, force: true);
    }

    public void Finished(long bytesDone)
    {
        Draw(bytesDone, force: true);
        error.WriteLine();
    }

    private void Draw(long done, bool force)
    {
        TimeSpan now = _clock.Elapsed;
        if (!force && now - _lastDraw < RedrawInterval) return;
        _lastDraw = now;
        double fraction = _total == 0 ? 1 : (double)done / _total;
        int filled = (int)Math.Round(fraction * BarWidth);
        string bar = new string('#', filled) + new string('-', BarWidth - filled);
        error.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{bar}] {fraction * 100,5:0.0}%  {ByteSizes.Format(done)} / {ByteSizes.Format(_total)}  {ByteSizes.Rate(done, now)}  files {_filesDone}/{_files}   "));
        error.Flush();
    }
}
