using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Loading;
using ModelGen.Mapping;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>
/// A model with module lists of Sequential blocks, compiled with its generated glue, built on the meta device and
/// loaded from a real safetensors file: every tensor of every block gets the checkpoint's values, a custom module's
/// computed buffer inside each block is filled, and a block tensor the checkpoint lacks is reported at build time
/// and refused at load time.
/// </summary>
[Collection(MetaConstructionCollection.Name)]
public sealed class SequentialListLoadTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-sequential-list", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private const string Source = """
        using System.Linq;
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo;

        [ShardedModel]
        public sealed partial class M : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<Sequential> blocks;
            private readonly ModuleList<Sequential> mixers = new();

            public M() : base("M")
            {
                blocks = new ModuleList<Sequential>(Enumerable.Range(0, 3)
                    .Select(_ => nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Linear(16, 4, hasBias: false))).ToArray());
                for (int i = 0; i < 2; i++) mixers.Add(nn.Sequential(("norm", nn.LayerNorm(4)), ("mix", new Mixer(4))));
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                foreach (Sequential block in blocks) x = x + block.forward(x);
                foreach (Sequential mixer in mixers) x = mixer.forward(x);
                return x;
            }
        }

        public sealed partial class Mixer : nn.Module<Tensor, Tensor>
        {
            private readonly Linear proj;

            [ComputedBuffer(nameof(ComputeScale))]
            private Tensor scale;

            public Mixer(int width) : base("Mixer")
            {
                proj = nn.Linear(width, width, hasBias: false);
                scale = torch.empty(width);
                RegisterComponents();
            }

            private Tensor ComputeScale(Device device) => torch.full(4, 0.5f, device: device);

            public override Tensor forward(Tensor x) => proj.forward(x) * scale;
        }
        """;

    private static (string Key, torch.ScalarType DType, long[] Shape)[] Tensors()
    {
        var tensors = new List<(string, torch.ScalarType, long[])>();
        for (int i = 0; i < 3; i++)
        {
            tensors.Add(($"blocks.{i}.0.weight", torch.ScalarType.Float32, [16, 4]));
            tensors.Add(($"blocks.{i}.0.bias", torch.ScalarType.Float32, [16]));
            tensors.Add(($"blocks.{i}.2.weight", torch.ScalarType.Float32, [4, 16]));
        }
        for (int i = 0; i < 2; i++)
        {
            tensors.Add(($"mixers.{i}.norm.weight", torch.ScalarType.Float32, [4]));
            tensors.Add(($"mixers.{i}.norm.bias", torch.ScalarType.Float32, [4]));
            tensors.Add(($"mixers.{i}.mix.proj.weight", torch.ScalarType.Float32, [4, 4]));
        }
        return tensors.ToArray();
    }

    /// <summary>A value for every element that differs from key to key: the key's position times 1000 plus the element's index.</summary>
    private static Dictionary<string, torch.Tensor> Values((string Key, torch.ScalarType DType, long[] Shape)[] tensors) =>
        tensors.Select((t, n) => (t.Key, Value: (torch.arange(t.Shape.Aggregate(1L, (a, b) => a * b), dtype: torch.ScalarType.Float32) + 1000f * n).reshape(t.Shape)))
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    private string Write(string name, Dictionary<string, torch.Tensor> values)
    {
        Directory.CreateDirectory(_folder);
        string path = Path.Combine(_folder, name + ".safetensors");
        SafeTensorsWriter.Write(path, values);
        return path;
    }

    [Fact]
    public void Every_block_loads_the_checkpoint_values()
    {
        var tensors = Tensors();
        GeneratorResult result = ShapeHarness.Run(Source, CompiledModels.Manifest(tensors));
        Assert.Empty(result.Reported.Select(d => d.ToString()));
        Assert.Empty(result.CompilerDiagnostics.Select(d => d.ToString()));

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        var values = Values(tensors);
        LoadReport report = ShardedLoader.Load(model, Write("blocks", values));

        Assert.Equal(values.Keys.Order(StringComparer.Ordinal), report.LoadedKeys.Order(StringComparer.Ordinal));
        Assert.Empty(report.InitializedKeys);
        var state = ((torch.nn.Module)model).state_dict();
        foreach (var (key, expected) in values)
        {
            Assert.True(state[key].device_type == DeviceType.CPU, key);
            Assert.Equal(expected.shape, state[key].shape);
            Assert.True(expected.eq(state[key]).all().item<bool>(), key);
        }
        Assert.All(new[] { "mixers.0.mix.scale", "mixers.1.mix.scale" }, k => Assert.Equal(new[] { 0.5f, 0.5f, 0.5f, 0.5f }, state[k].data<float>().ToArray()));

        using var output = ((torch.nn.Module<torch.Tensor, torch.Tensor>)model).forward(torch.ones(2, 4));
        Assert.Equal(new long[] { 2, 4 }, output.shape);
    }

    [Fact]
    public void A_block_tensor_the_checkpoint_lacks_is_reported_at_build_and_refused_at_load()
    {
        var tensors = Tensors().Where(t => t.Key != "blocks.2.2.weight").ToArray();
        GeneratorResult result = ShapeHarness.Run(Source, CompiledModels.Manifest(tensors));

        Diagnostic missing = Assert.Single(result.Reported);
        Assert.Equal("MG0007", missing.Id);
        Assert.StartsWith("'blocks.{i}.2.weight' (parameter) is not in the checkpoint for 1 of 3 list entries ('blocks.2.2.weight')", missing.GetMessage());
        Assert.Equal(Positions.Of(Source, "nn.Linear(16, 4"), Positions.Start(missing));

        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        var refused = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, Write("lacking", Values(tensors))));
        Assert.Equal(["blocks.2.2.weight"], refused.MissingKeys);
    }
}
