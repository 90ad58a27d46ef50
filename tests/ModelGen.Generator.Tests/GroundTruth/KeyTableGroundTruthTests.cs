using ModelGen.Generator.Tests.GroundTruth.Models;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Generator.Tests.GroundTruth;

/// <summary>
/// The generated key table of models compiled by the generator in this project equals the keys TorchSharp itself
/// registers for the same model built at run time (state_dict, named_parameters, named_buffers).
/// </summary>
public sealed class KeyTableGroundTruthTests
{
    public static TheoryData<string> Models => new() { "llama", "zoo-bias", "zoo-nobias", "moe", "sequential-list" };

    internal static torch.nn.Module Build(string name) => name switch
    {
        "llama" => new TinyLlamaForCausalLM(new TinyLlamaConfig()),
        "zoo-bias" => new LayerZoo(withBias: true),
        "zoo-nobias" => new LayerZoo(withBias: false),
        "moe" => new TinyMoe(layerCount: 3, expertCount: 4),
        "sequential-list" => new SequentialListZoo(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Slot_keys_equal_the_state_dict_keys(string name)
    {
        using torch.nn.Module module = Build(name);
        var slots = ((IShardedModel)module).GetTensorSlots();

        var expected = module.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var actual = slots.Select(s => s.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Slot_kinds_follow_named_parameters_and_named_buffers(string name)
    {
        using torch.nn.Module module = Build(name);
        var slots = ((IShardedModel)module).GetTensorSlots();

        var parameters = module.named_parameters().Select(p => p.name).OrderBy(k => k, StringComparer.Ordinal);
        var buffers = module.named_buffers().Select(p => p.name).OrderBy(k => k, StringComparer.Ordinal);

        Assert.Equal(parameters, slots.Where(s => s.Kind == TensorKind.Parameter).Select(s => s.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(buffers, slots.Where(s => s.Kind == TensorKind.Buffer).Select(s => s.Key).OrderBy(k => k, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_slot_reads_the_tensor_TorchSharp_registered(string name)
    {
        using torch.nn.Module module = Build(name);
        var registered = module.state_dict();
        foreach (TensorSlot slot in ((IShardedModel)module).GetTensorSlots())
        {
            torch.Tensor? current = slot.Get();
            Assert.NotNull(current);
            Assert.Equal(registered[slot.Key].Handle, current!.Handle);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_slot_pattern_is_a_row_of_the_static_key_table(string name)
    {
        using torch.nn.Module module = Build(name);
        var model = (IShardedModel)module;
        var patterns = model.KeyTable.Patterns.Select(p => p.Pattern).ToHashSet(StringComparer.Ordinal);

        foreach (TensorSlot slot in model.GetTensorSlots())
        {
            Assert.Contains(slot.Pattern, patterns);
        }
    }

    [Fact]
    public void Llama_key_table_is_the_hugging_face_layout_in_declaration_order()
    {
        Assert.Equal(
            new[]
            {
                "model.embed_tokens.weight",
                "model.layers.{i}.self_attn.q_proj.weight",
                "model.layers.{i}.self_attn.k_proj.weight",
                "model.layers.{i}.self_attn.v_proj.weight",
                "model.layers.{i}.self_attn.o_proj.weight",
                "model.layers.{i}.self_attn.inv_freq",
                "model.layers.{i}.mlp.gate_proj.weight",
                "model.layers.{i}.mlp.up_proj.weight",
                "model.layers.{i}.mlp.down_proj.weight",
                "model.layers.{i}.input_layernorm.weight",
                "model.layers.{i}.post_attention_layernorm.weight",
                "model.norm.weight",
                "lm_head.weight",
            },
            TinyLlamaForCausalLM.CheckpointKeys.Patterns.Select(p => p.Pattern));
    }

    [Fact]
    public void Key_table_rows_carry_kind_initializer_tie_and_computed_flags()
    {
        var rows = TinyLlamaForCausalLM.CheckpointKeys.Patterns.ToDictionary(p => p.Pattern);

        Assert.Equal("model.embed_tokens.weight", rows["lm_head.weight"].TiedTo);
        Assert.Equal("kaiming_uniform(a=sqrt(5))", rows["lm_head.weight"].Initializer);
        Assert.True(rows["model.layers.{i}.self_attn.inv_freq"].Computed);
        Assert.Equal(TensorKind.Buffer, rows["model.layers.{i}.self_attn.inv_freq"].Kind);
        Assert.Equal("ones", rows["model.norm.weight"].Initializer);
        Assert.Equal("normal(0, 1)", rows["model.embed_tokens.weight"].Initializer);
        Assert.Equal("TorchSharp.Modules.Linear", rows["lm_head.weight"].Owner);
        Assert.Equal("TinyLlamaForCausalLM.lm_head.weight", rows["lm_head.weight"].Member);
        Assert.Equal("TinyAttention.q_proj.weight", rows["model.layers.{i}.self_attn.q_proj.weight"].Member);
        Assert.Equal("TinyAttention.inv_freq", rows["model.layers.{i}.self_attn.inv_freq"].Member);
        Assert.True(TinyLlamaForCausalLM.CheckpointKeys.IsIgnored("model.layers.7.self_attn.rotary_emb.inv_freq"));
        Assert.False(TinyLlamaForCausalLM.CheckpointKeys.IsIgnored("model.layers.7.self_attn.inv_freq"));
    }

    [Fact]
    public void A_bias_decided_at_run_time_is_an_optional_row_and_constant_false_leaves_no_row()
    {
        var rows = LayerZoo.CheckpointKeys.Patterns.ToDictionary(p => p.Pattern);

        Assert.True(rows["runtime_bias.bias"].Optional);
        Assert.False(rows["plain.bias"].Optional);
        Assert.DoesNotContain("no_bias.bias", rows.Keys);
        Assert.DoesNotContain("conv2.bias", rows.Keys);
        Assert.DoesNotContain("ln_nobias.bias", rows.Keys);
        Assert.DoesNotContain("ln_plain.weight", rows.Keys);
        Assert.DoesNotContain("rms_plain.weight", rows.Keys);
        Assert.DoesNotContain("bn2_untracked.running_mean", rows.Keys);
        Assert.DoesNotContain("bn3_noaffine.weight", rows.Keys);
        Assert.Contains("experts.{key}.proj.weight", rows.Keys);
        Assert.Contains("renamed_block.gain", rows.Keys);
        Assert.Contains("from_base.weight", rows.Keys);
        Assert.Equal("absent.weight", rows["absent.weight"].Pattern);
    }

    [Fact]
    public void Nested_lists_use_one_placeholder_per_level()
    {
        Assert.Equal(
            new[] { "layers.{i}.gate.weight", "layers.{i}.experts.{i}.weight", "layers.{i}.experts.{i}.bias" },
            TinyMoe.CheckpointKeys.Patterns.Select(p => p.Pattern));
        // List elements are built in a lambda: their bias flag is not a constant the generator can read.
        Assert.True(TinyMoe.CheckpointKeys.Patterns.Single(p => p.Pattern.EndsWith(".bias", StringComparison.Ordinal)).Optional);
    }
}
