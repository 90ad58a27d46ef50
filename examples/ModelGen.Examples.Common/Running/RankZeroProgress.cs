using System.Globalization;
using ModelGen.Loading;

namespace ModelGen.Examples.Running;

/// <summary>Prints load progress to standard error every tenth of the bytes, synchronously (no thread hop).</summary>
public sealed class RankZeroProgress(TextWriter log) : IProgress<LoadProgress>
{
    private int _lastTenth = -1;

    /// <inheritdoc />
    public void Report(LoadProgress value)
    {
        int tenth = value.BytesTotal > 0 ? (int)(10 * value.BytesDone / value.BytesTotal) : 10;
        if (tenth == _lastTenth) return;
        _lastTenth = tenth;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  loaded {value.TensorsDone}/{value.TensorsTotal} tensors, {value.BytesDone >> 20}/{value.BytesTotal >> 20} MiB"));
    }
}
