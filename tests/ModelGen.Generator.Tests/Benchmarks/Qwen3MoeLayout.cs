using System.Globalization;
using System.Text;

namespace ModelGen.Generator.Tests.Benchmarks;

/// <summary>The Qwen3-30B-A3B layout (48 layers x 128 experts, about 18,900 keys) as model source and manifest text.</summary>
internal static class Qwen3MoeLayout
{
    public const int Layers = 48;
    public const int Experts = 128;

    public const string ModelName = "Qwen3.Qwen3MoeForCausalLM";

    public const string Source = """
        using ModelGen;
        using ModelGen.Layers;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Qwen3;

        [ShardedModel]
        public partial class Qwen3MoeForCausalLM : nn.Module<Tensor, Tensor>
        {
            private readonly Qwen3MoeModel model = new();
            private readonly Linear lm_head = nn.Linear(2048, 151936, hasBias: false, device: torch.META);
            public Qwen3MoeForCausalLM() : base("Qwen3MoeForCausalLM") => RegisterComponents();
            public override Tensor forward(Tensor x) => lm_head.forward(model.forward(x));
        }

        public partial class Qwen3MoeModel : nn.Module<Tensor, Tensor>
        {
            private readonly ModelGen.Layers.Embedding embed_tokens = new(151936, 2048, torch.META);
            private readonly ModuleList<Qwen3MoeDecoderLayer> layers = new();
            private readonly RMSNorm norm = new(2048, 1e-6, device: torch.META);
            public Qwen3MoeModel() : base("Qwen3MoeModel") => RegisterComponents();
            public override Tensor forward(Tensor x) => norm.forward(embed_tokens.forward(x));
        }

        public partial class Qwen3MoeDecoderLayer : nn.Module<Tensor, Tensor>
        {
            private readonly Qwen3MoeAttention self_attn = new();
            private readonly Qwen3MoeSparseMoeBlock mlp = new();
            private readonly RMSNorm input_layernorm = new(2048, 1e-6, device: torch.META);
            private readonly RMSNorm post_attention_layernorm = new(2048, 1e-6, device: torch.META);
            public Qwen3MoeDecoderLayer() : base("Qwen3MoeDecoderLayer") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }

        public partial class Qwen3MoeAttention : nn.Module<Tensor, Tensor>
        {
            private readonly Linear q_proj = nn.Linear(2048, 4096, hasBias: false, device: torch.META);
            private readonly Linear k_proj = nn.Linear(2048, 512, hasBias: false, device: torch.META);
            private readonly Linear v_proj = nn.Linear(2048, 512, hasBias: false, device: torch.META);
            private readonly Linear o_proj = nn.Linear(4096, 2048, hasBias: false, device: torch.META);
            private readonly RMSNorm q_norm = new(128, 1e-6, device: torch.META);
            private readonly RMSNorm k_norm = new(128, 1e-6, device: torch.META);
            public Qwen3MoeAttention() : base("Qwen3MoeAttention") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }

        public partial class Qwen3MoeSparseMoeBlock : nn.Module<Tensor, Tensor>
        {
            private readonly Linear gate = nn.Linear(2048, 128, hasBias: false, device: torch.META);
            private readonly ModuleList<Qwen3MoeMlp> experts = new();
            public Qwen3MoeSparseMoeBlock() : base("Qwen3MoeSparseMoeBlock") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }

        public partial class Qwen3MoeMlp : nn.Module<Tensor, Tensor>
        {
            private readonly Linear gate_proj = nn.Linear(2048, 768, hasBias: false, device: torch.META);
            private readonly Linear up_proj = nn.Linear(2048, 768, hasBias: false, device: torch.META);
            private readonly Linear down_proj = nn.Linear(768, 2048, hasBias: false, device: torch.META);
            public Qwen3MoeMlp() : base("Qwen3MoeMlp") => RegisterComponents();
            public override Tensor forward(Tensor x) => x;
        }
        """;

    public const string UnrelatedSource = "namespace Qwen3; public static class Training { public static int Steps() => 1000; }";

    /// <summary>The checkpoint's manifest, sorted like the build step writes it.</summary>
    public static string Manifest()
    {
        var keys = new List<string> { "lm_head.weight BF16 [151936,2048]", "model.embed_tokens.weight BF16 [151936,2048]", "model.norm.weight BF16 [2048]" };
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = "model.layers." + layer.ToString(CultureInfo.InvariantCulture) + ".";
            keys.Add(p + "input_layernorm.weight BF16 [2048]");
            keys.Add(p + "post_attention_layernorm.weight BF16 [2048]");
            keys.Add(p + "self_attn.q_proj.weight BF16 [4096,2048]");
            keys.Add(p + "self_attn.k_proj.weight BF16 [512,2048]");
            keys.Add(p + "self_attn.v_proj.weight BF16 [512,2048]");
            keys.Add(p + "self_attn.o_proj.weight BF16 [2048,4096]");
            keys.Add(p + "self_attn.q_norm.weight BF16 [128]");
            keys.Add(p + "self_attn.k_norm.weight BF16 [128]");
            keys.Add(p + "mlp.gate.weight BF16 [128,2048]");
            for (int expert = 0; expert < Experts; expert++)
            {
                string e = p + "mlp.experts." + expert.ToString(CultureInfo.InvariantCulture) + ".";
                keys.Add(e + "gate_proj.weight BF16 [768,2048]");
                keys.Add(e + "up_proj.weight BF16 [768,2048]");
                keys.Add(e + "down_proj.weight BF16 [2048,768]");
            }
        }
        keys.Sort(StringComparer.Ordinal);
        var text = new StringBuilder("# ModelGen checkpoint manifest of model.safetensors.index.json: key dtype shape\n");
        foreach (string key in keys) text.Append(key).Append('\n');
        return text.ToString();
    }

    public static int KeyCount => 3 + Layers * (9 + 3 * Experts);
}
