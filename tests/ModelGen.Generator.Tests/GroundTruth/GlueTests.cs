using ModelGen.Generator.Tests.GroundTruth.Models;
using ModelGen.Mapping;
using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Generator.Tests.GroundTruth;

/// <summary>The generated Set() puts a tensor where both named_parameters()/named_buffers() and forward see it.</summary>
public sealed class GlueTests
{
    [Theory]
    [MemberData(nameof(KeyTableGroundTruthTests.Models), MemberType = typeof(KeyTableGroundTruthTests))]
    public void Set_replaces_the_registered_tensor_of_every_slot(string name)
    {
        using torch.nn.Module module = KeyTableGroundTruthTests.Build(name);
        var slots = ((IShardedModel)module).GetTensorSlots();
        // A Parameter slot takes over the handle of the tensor it is given, so remember values, not tensors.
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        double value = 1;
        foreach (TensorSlot slot in slots)
        {
            torch.Tensor old = slot.Get()!;
            values[slot.Key] = value;
            slot.Set(torch.full(old.shape, value++, dtype: old.dtype));
        }

        var registered = module.state_dict();
        foreach (TensorSlot slot in slots)
        {
            Assert.Equal(registered[slot.Key].Handle, slot.Get()!.Handle);
            Assert.True(registered[slot.Key].eq(values[slot.Key]).all().item<bool>(), slot.Key);
        }
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (TensorSlot slot in slots.Where(s => s.Kind == TensorKind.Parameter))
        {
            Assert.Same(parameters[slot.Key], slot.Get());
            Assert.IsType<Parameter>(slot.Get());
        }
    }

    [Fact]
    public void Forward_of_a_builtin_layer_sees_the_new_weight()
    {
        using var zoo = new LayerZoo(withBias: true);
        var slots = ((IShardedModel)zoo).GetTensorSlots().ToDictionary(s => s.Key);
        slots["plain.weight"].Set(torch.ones(3, 4));
        slots["plain.bias"].Set(torch.tensor(new float[] { 1, 2, 3 }));

        using torch.Tensor y = zoo.forward(torch.ones(1, 4));

        Assert.Equal(new float[] { 5, 6, 7 }, y.data<float>().ToArray());
    }

    [Fact]
    public void Forward_of_a_custom_module_sees_the_new_parameter()
    {
        using var zoo = new LayerZoo(withBias: false);
        var slots = ((IShardedModel)zoo).GetTensorSlots().ToDictionary(s => s.Key);
        slots["renamed_block.proj.weight"].Set(torch.eye(2));
        slots["renamed_block.proj.bias"].Set(torch.zeros(2));
        slots["renamed_block.gain"].Set(torch.tensor(new float[] { 3, 4 }));

        var renamed = zoo.named_children().Single(c => c.name == "renamed_block").module;
        using torch.Tensor y = ((ZooBlock)renamed).forward(torch.ones(1, 2));

        Assert.Equal(new float[] { 3, 4 }, y.data<float>().ToArray());
        Assert.Equal(new float[] { 3, 4 }, zoo.named_parameters().Single(p => p.name == "renamed_block.gain").parameter.data<float>().ToArray());
    }

    [Fact]
    public void Set_of_a_buffer_keeps_it_a_buffer_and_forward_sees_it()
    {
        using var zoo = new LayerZoo(withBias: false);
        var slots = ((IShardedModel)zoo).GetTensorSlots().ToDictionary(s => s.Key);
        slots["counter"].Set(torch.tensor(new float[] { 41 }));
        slots["from_base.weight"].Set(torch.zeros(2, 2));
        slots["from_base.bias"].Set(torch.zeros(2));
        slots["base_buffer"].Set(torch.tensor(new float[] { 5, 6 }));

        Assert.Equal(41f, zoo.Counter.item<float>());
        Assert.Contains(zoo.named_buffers(), b => b.name == "counter" && b.buffer.item<float>() == 41f);
        Assert.DoesNotContain(zoo.named_parameters(), p => p.name == "counter");
        using torch.Tensor y = zoo.BaseForward(torch.ones(1, 2));
        Assert.Equal(new float[] { 5, 6 }, y.data<float>().ToArray());
    }

    [Fact]
    public void Set_keeps_requires_grad_of_the_parameter_it_replaces()
    {
        using var zoo = new LayerZoo(withBias: false);
        var slot = ((IShardedModel)zoo).GetTensorSlots().Single(s => s.Key == "plain.weight");
        ((Parameter)slot.Get()!).requires_grad = false;

        slot.Set(torch.zeros(3, 4));

        Assert.False(slot.Get()!.requires_grad);
    }

    [Fact]
    public void Null_fields_and_disabled_biases_give_no_slots_at_run_time()
    {
        using var zoo = new LayerZoo(withBias: false);
        var keys = ((IShardedModel)zoo).GetTensorSlots().Select(s => s.Key).ToHashSet();

        Assert.DoesNotContain("absent.weight", keys);
        Assert.DoesNotContain("runtime_bias.bias", keys);
        Assert.Contains("runtime_bias.weight", keys);
    }

    [Fact]
    public void Tied_and_computed_slots_are_marked()
    {
        using var llama = new TinyLlamaForCausalLM(new TinyLlamaConfig());
        var slots = ((IShardedModel)llama).GetTensorSlots().ToDictionary(s => s.Key);

        Assert.Equal("model.embed_tokens.weight", slots["lm_head.weight"].TiedTo);
        Assert.True(slots["model.layers.1.self_attn.inv_freq"].Computed);
        Assert.Null(slots["model.layers.1.self_attn.inv_freq"].Initialize);
        Assert.Equal("model.layers.{i}.self_attn.inv_freq", slots["model.layers.1.self_attn.inv_freq"].Pattern);
    }

    [Fact]
    public void ComputeBuffers_calls_the_named_method_and_registers_the_result()
    {
        using var llama = new TinyLlamaForCausalLM(new TinyLlamaConfig(Hidden: 16, Heads: 2, RopeTheta: 100.0));
        ((IShardedModel)llama).ComputeBuffers(torch.CPU);

        var buffers = llama.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        float[] invFreq = buffers["model.layers.0.self_attn.inv_freq"].data<float>().ToArray();
        float[] expected = Enumerable.Range(0, 4).Select(i => (float)(1.0 / Math.Pow(100.0, 2.0 * i / 8))).ToArray();
        Assert.Equal(expected.Length, invFreq.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], invFreq[i], 1e-6f);
        Assert.Same(buffers["model.layers.1.self_attn.inv_freq"], ((IShardedModel)llama).GetTensorSlots().Single(s => s.Key == "model.layers.1.self_attn.inv_freq").Get());
    }

    [Fact]
    public void A_model_built_on_meta_is_loaded_through_its_slots_and_runs_on_the_cpu()
    {
        var config = new TinyLlamaConfig();
        using var llama = new TinyLlamaForCausalLM(config, torch.META);
        var slots = ((IShardedModel)llama).GetTensorSlots();
        Assert.All(slots, s => Assert.Equal(DeviceType.META, s.Get()!.device_type));

        torch.manual_seed(7);
        var byKey = slots.ToDictionary(s => s.Key);
        foreach (TensorSlot slot in slots.Where(s => s.TiedTo is null && !s.Computed))
        {
            torch.Tensor placeholder = slot.Get()!;
            torch.Tensor real = torch.empty(placeholder.shape, dtype: placeholder.dtype);
            slot.Initialize!(real);
            slot.Set(real);
        }
        foreach (TensorSlot slot in slots.Where(s => s.TiedTo is not null)) slot.Set(byKey[slot.TiedTo!].Get()!);
        ((IShardedModel)llama).ComputeBuffers(torch.CPU);

        Assert.All(slots, s => Assert.Equal(DeviceType.CPU, s.Get()!.device_type));
        Assert.Equal(byKey["model.embed_tokens.weight"].Get()!.Handle, byKey["lm_head.weight"].Get()!.Handle);
        using torch.Tensor logits = llama.forward(torch.tensor(new long[] { 1, 2, 3 }));
        Assert.Equal(new long[] { 3, config.Vocab }, logits.shape);
        Assert.False(logits.isnan().any().item<bool>());
    }
}
