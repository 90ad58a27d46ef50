using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Infrastructure;
using ModelGen.Loading;
using ModelGen.Mapping;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>
/// Every checkpoint mismatch the loader's plan check refuses (LoadPlan.Build, CheckpointMismatchException) has a
/// build-time diagnostic for a model whose shapes the generator evaluates: for each kind, one small model and
/// checkpoint; the generator, given the checkpoint's manifest, reports the diagnostic, and the same source, compiled
/// with its generated code and built on the meta device, is refused by the load with that kind of problem.
/// </summary>
[Collection(MetaConstructionCollection.Name)]
public sealed class PlanCheckCoverageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelgen-plan-coverage", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private const string TwoLinears = """
        private Linear a = nn.Linear(2, 2, hasBias: false);
        private Linear b = nn.Linear(2, 2, hasBias: false);
        """;

    private const string Blocks = """
        private ModuleList<Block> layers = new ModuleList<Block>(Enumerable.Range(0, 3).Select(_ => new Block()).ToArray());
        """;

    private const string Tied = """
        private ModelGen.Layers.Embedding embed = new ModelGen.Layers.Embedding(4, 2);
        [TiedTo("embed.weight", Parameter = "weight")]
        private Linear head = nn.Linear(2, 4, hasBias: false);
        """;

    /// <summary>One plan-check kind: the model's members and key policy, the checkpoint, the diagnostic and the load's problem.</summary>
    public sealed record Case(string Members, string Policy, (string Key, string Dtype, long[] Shape)[] Checkpoint, string Id, DiagnosticSeverity Severity, string Problem, bool InitializeMissing = true)
    {
        public override string ToString() => Id + ": " + Problem;
    }

    private static (string, string, long[]) F32(string key, params long[] shape) => (key, "F32", shape);

    public static TheoryData<string, Case> Cases() => new()
    {
        {
            "unexpected key (UnexpectedKeys = Refuse)",
            new(TwoLinears, "", [F32("a.weight", 2, 2), F32("b.weight", 2, 2), F32("c.weight", 2, 2)],
                "MG0006", DiagnosticSeverity.Error, "'c.weight' (plan.safetensors): no parameter or buffer of the model takes this key")
        },
        {
            "missing key (MissingKeys = Refuse)",
            new(TwoLinears, "", [F32("a.weight", 2, 2)],
                "MG0007", DiagnosticSeverity.Error, "the checkpoint lacks 1 tensor(s) the model does not declare new, and MissingKeys is Refuse")
        },
        {
            "missing key, initialization of missing tensors off",
            new(TwoLinears, "MissingKeys = MissingKeyPolicy.Initialize", [F32("a.weight", 2, 2)],
                "MG0007", DiagnosticSeverity.Warning, "'b.weight': the checkpoint lacks this parameter and initialization of missing tensors is off", InitializeMissing: false)
        },
        {
            "missing key nothing can initialize",
            new("private Linear a = nn.Linear(2, 2, hasBias: false);\nprivate Tensor table = torch.zeros(3);", "MissingKeys = MissingKeyPolicy.Initialize", [F32("a.weight", 2, 2)],
                "MG0013", DiagnosticSeverity.Error, "'table': the checkpoint lacks this buffer and it has no initializer")
        },
        {
            "shape",
            new(TwoLinears, "", [F32("a.weight", 3, 2), F32("b.weight", 2, 2)],
                "MG0020", DiagnosticSeverity.Error, "'a.weight' (plan.safetensors): checkpoint shape [3, 2], model shape [2, 2]")
        },
        {
            "dtype without a TorchSharp element type",
            new(TwoLinears, "", [("a.weight", "U16", [2, 2]), F32("b.weight", 2, 2)],
                "MG0023", DiagnosticSeverity.Error, "'a.weight' (plan.safetensors): dtype U16 has no TorchSharp element type")
        },
        {
            "dtype the loader does not convert",
            new("private Linear a = nn.Linear(2, 2, hasBias: false, dtype: ScalarType.Float16);", "", [("a.weight", "I8", [2, 2])],
                "MG0023", DiagnosticSeverity.Error, "'a.weight' (plan.safetensors): checkpoint dtype I8 cannot be converted to the model's Float16")
        },
        {
            "tied key in the checkpoint with its own shape",
            new(Tied, "", [F32("embed.weight", 4, 2), F32("head.weight", 2, 4)],
                "MG0024", DiagnosticSeverity.Warning, "[TiedTo] makes them one tensor, but the checkpoint holds them as F32[2, 4] and F32[4, 2]")
        },
        {
            "more list entries than the checkpoint",
            new(Blocks, "", [F32("layers.0.proj.weight", 2, 2), F32("layers.1.proj.weight", 2, 2)],
                "MG0022", DiagnosticSeverity.Error, "and MissingKeys is Refuse (declare them with [Initializer] or set MissingKeys = Initialize): 'layers.2.proj.weight'")
        },
        {
            "fewer list entries than the checkpoint",
            new(Blocks, "", [F32("layers.0.proj.weight", 2, 2), F32("layers.1.proj.weight", 2, 2), F32("layers.2.proj.weight", 2, 2), F32("layers.3.proj.weight", 2, 2)],
                "MG0022", DiagnosticSeverity.Error, "'layers.3.proj.weight' (plan.safetensors): no parameter or buffer of the model takes this key")
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_build_reports_what_the_plan_check_refuses(string kind, Case c)
    {
        string manifest = string.Concat(c.Checkpoint.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Dtype} [{string.Join(", ", t.Shape)}]\n"));
        GeneratorResult result = ShapeHarness.Run(Source(c.Members, c.Policy), manifest);
        Assert.Empty(result.CompilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        Assert.True(result.Reported.Any(d => d.Id == c.Id && d.Severity == c.Severity),
            $"{kind}: expected {c.Severity} {c.Id}, the build reported: {string.Join("; ", result.Reported.Select(d => d.Severity + " " + d.Id + " " + d.GetMessage()))}");

        Directory.CreateDirectory(_folder);
        string checkpoint = Path.Combine(_folder, "plan.safetensors");
        SafetensorsFile.Write(checkpoint, c.Checkpoint.Select(t => (t.Key, t.Dtype, t.Shape, ElementSize(t.Dtype))).ToArray());
        IShardedModel model = CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M");
        var refused = Assert.Throws<CheckpointMismatchException>(() => ShardedLoader.Load(model, checkpoint, new LoadOptions { InitializeMissing = c.InitializeMissing }));
        Assert.True(refused.Problems.Any(p => p.Contains(c.Problem, StringComparison.Ordinal)), $"{kind}: the load's problems were: {string.Join(" | ", refused.Problems)}");
    }

    [Fact]
    public void The_same_models_build_clean_and_load_against_their_own_checkpoints()
    {
        // The control: the models above with fitting checkpoints, so each refusal comes from its mismatch alone.
        (string Members, (string, string, long[])[] Checkpoint)[] fitting =
        [
            (TwoLinears, [F32("a.weight", 2, 2), F32("b.weight", 2, 2)]),
            (Tied, [F32("embed.weight", 4, 2)]),
            (Blocks, [F32("layers.0.proj.weight", 2, 2), F32("layers.1.proj.weight", 2, 2), F32("layers.2.proj.weight", 2, 2)]),
        ];
        int index = 0;
        foreach (var (members, tensors) in fitting)
        {
            string manifest = string.Concat(tensors.Select(t => $"{t.Item1} {t.Item2} [{string.Join(", ", t.Item3)}]\n"));
            GeneratorResult result = ShapeHarness.Run(Source(members, ""), manifest);
            Assert.Empty(result.Reported.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));
            Directory.CreateDirectory(_folder);
            string checkpoint = Path.Combine(_folder, $"fit{index++}.safetensors");
            SafetensorsFile.Write(checkpoint, tensors.Select(t => (t.Item1, t.Item2, t.Item3, ElementSize(t.Item2))).ToArray());
            LoadReport report = ShardedLoader.Load(CompiledModels.BuildOnMeta(CompiledModels.Emit(result), "Demo.M"), checkpoint);
            Assert.Equal(tensors.Length, report.LoadedKeys.Count);
        }
    }

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "U16" => 2,
        "I8" => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not used by these cases"),
    };

    private static string Source(string members, string policy) => $$"""
        using System.Linq;
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo;

        [ShardedModel{{(policy.Length == 0 ? "" : "(" + policy + ")")}}]
        public sealed partial class M : nn.Module<Tensor, Tensor>
        {
            {{members}}

            public M() : base("M") => RegisterComponents();

            public override Tensor forward(Tensor x) => x;
        }

        public sealed partial class Block : nn.Module<Tensor, Tensor>
        {
            private Linear proj = nn.Linear(2, 2, hasBias: false);

            public Block() : base("Block") => RegisterComponents();

            public override Tensor forward(Tensor x) => proj.forward(x);
        }
        """;
}
