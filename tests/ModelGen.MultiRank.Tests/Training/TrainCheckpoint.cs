using ModelGen.MultiRank.Worker.Training;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.MultiRank.Tests.Training;

/// <summary>A float32 checkpoint of <see cref="TrainTestModel"/> from a fixed seed (all but the computed rotary buffer), with a scratch folder for the trained parameters.</summary>
internal sealed class TrainCheckpoint : IDisposable
{
    public TrainCheckpoint(TrainTestShape? shape = null)
    {
        Directory.CreateDirectory(Folder);
        torch.manual_seed(21);
        using var model = new TrainTestModel(torch.ScalarType.Float32, shape ?? TrainTestShape.Small);
        using (torch.no_grad())
        {
            // Norm weights start at one; spread them so that their gradients differ per element.
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)))
                parameter.uniform_(0.5, 1.5);
        }
        Initial = model.state_dict().Where(p => p.Key != "inv_freq")
            .ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal);
        SafeTensorsShardedWriter.Write(CheckpointFolder, Initial.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), maxShardBytes: shape is null ? 32 << 10 : 64 << 20);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "modelgen-train-" + Guid.NewGuid().ToString("N"));

    public string CheckpointFolder => Path.Combine(Folder, "checkpoint");

    /// <summary>The parameters before training, by key.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Initial { get; }

    public string Output(string name) => Path.Combine(Folder, name + ".safetensors");

    /// <summary>The trained parameters a run wrote, as float32.</summary>
    public static Dictionary<string, torch.Tensor> ReadTrained(string path)
    {
        using SafeTensorsCheckpoint file = SafeTensorsCheckpoint.Open(path);
        return file.Entries.ToDictionary(e => e.Name, e =>
        {
            using torch.Tensor read = file.Read(e.Name);
            return read.to(torch.ScalarType.Float32, copy: true);
        }, StringComparer.Ordinal);
    }

    public void Dispose()
    {
        foreach (torch.Tensor tensor in Initial.Values) tensor.Dispose();
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
