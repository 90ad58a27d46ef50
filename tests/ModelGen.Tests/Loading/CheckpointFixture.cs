using ModelGen.SafeTensors;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>A temporary folder with checkpoints written for one test, removed afterwards.</summary>
internal sealed class CheckpointFixture : IDisposable
{
    public CheckpointFixture() => Directory.CreateDirectory(Folder);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "modelgen-loader-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes a single-file checkpoint of random tensors with these keys and shapes; returns the path and the tensors.</summary>
    public (string Path, Dictionary<string, Tensor> Tensors) Write(string name, ScalarType dtype, params (string Key, long[] Shape)[] entries)
    {
        manual_seed(42);
        var tensors = entries.ToDictionary(e => e.Key, e => randn(e.Shape, dtype: ScalarType.Float32, device: CPU).to(dtype), StringComparer.Ordinal);
        string path = System.IO.Path.Combine(Folder, name);
        SafeTensorsWriter.Write(path, tensors);
        return (path, tensors);
    }

    public static (string Key, long[] Shape)[] FullModel() =>
    [
        ("fc1.weight", [HandWrittenModel.Width, HandWrittenModel.Width]),
        ("fc1.bias", [HandWrittenModel.Width]),
        ("scale", [HandWrittenModel.Width]),
    ];

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
