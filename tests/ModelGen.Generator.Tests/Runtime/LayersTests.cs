using TorchSharp;
using Embedding = ModelGen.Layers.Embedding;
using RMSNorm = ModelGen.Layers.RMSNorm;

namespace ModelGen.Generator.Tests.Runtime;

/// <summary>The meta-friendly layers match torch semantics and register their weight as TorchSharp would.</summary>
public sealed class LayersTests
{
    [Fact]
    public void Embedding_forward_matches_torch_embedding_with_the_same_table()
    {
        using var ours = new Embedding(10, 4);
        using var reference = torch.nn.Embedding(10, 4);
        using (torch.no_grad()) reference.weight!.copy_(ours.weight);
        using torch.Tensor ids = torch.tensor(new long[] { 3, 0, 9, 3, 1, 2 }).reshape(2, 3);

        using torch.Tensor expected = reference.forward(ids);
        using torch.Tensor actual = ours.forward(ids);

        Assert.Equal(new long[] { 2, 3, 4 }, actual.shape);
        Assert.True(actual.eq(expected).all().item<bool>());
    }

    [Fact]
    public void Embedding_registers_weight_and_its_setter_re_registers()
    {
        using var embedding = new Embedding(5, 3);
        Assert.Equal(new[] { "weight" }, embedding.named_parameters().Select(p => p.name));

        var replacement = new TorchSharp.Modules.Parameter(torch.ones(5, 3));
        embedding.weight = replacement;

        Assert.Same(replacement, embedding.named_parameters().Single().parameter);
        using torch.Tensor row = embedding.forward(torch.tensor(new long[] { 4 }));
        Assert.True(row.eq(1).all().item<bool>());
    }

    [Fact]
    public void Embedding_on_meta_allocates_nothing_and_keeps_the_shape()
    {
        using var embedding = new Embedding(128000, 4096, torch.META);

        Assert.Equal(DeviceType.META, embedding.weight.device_type);
        Assert.Equal(new long[] { 128000, 4096 }, embedding.weight.shape);
    }

    [Fact]
    public void Embedding_rejects_negative_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(-1, 4));
    }

    [Theory]
    [InlineData(1e-6)]
    [InlineData(0.5)]
    public void RMSNorm_matches_the_definition_computed_in_double(double eps)
    {
        torch.manual_seed(1);
        using var norm = new RMSNorm(6, eps);
        using (torch.no_grad()) norm.weight!.copy_(torch.linspace(0.5, 2.0, 6));
        using torch.Tensor x = torch.randn(3, 5, 6);

        using torch.Tensor actual = norm.forward(x);
        using torch.Tensor xd = x.to_type(torch.float64);
        using torch.Tensor expected = xd / torch.sqrt(xd.pow(2).mean([-1L], keepdim: true) + eps) * norm.weight!.to_type(torch.float64);

        Assert.True(actual.to_type(torch.float64).allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void RMSNorm_default_eps_is_the_machine_epsilon_of_the_input_dtype()
    {
        using var norm = new RMSNorm(4);
        using torch.Tensor x = torch.zeros(1, 4);
        x[0, 0] = torch.tensor(1e-4f);

        using torch.Tensor actual = norm.forward(x);
        double eps = torch.finfo(torch.float32).eps;
        double expected = 1e-4 / Math.Sqrt(1e-8 / 4 + eps);

        Assert.Equal(expected, actual[0, 0].item<float>(), 1e-3);
    }

    [Fact]
    public void RMSNorm_normalizes_half_precision_in_float32_and_returns_the_input_dtype()
    {
        using var norm = new RMSNorm(8, 1e-6, elementwiseAffine: false);
        using torch.Tensor x = (torch.randn(4, 8) * 300).to_type(torch.bfloat16);

        using torch.Tensor actual = norm.forward(x);
        using torch.Tensor xf = x.to_type(torch.float32);
        using torch.Tensor expected = (xf * torch.rsqrt(xf.pow(2).mean([-1L], keepdim: true) + 1e-6)).to_type(torch.bfloat16);

        Assert.Equal(torch.bfloat16, actual.dtype);
        Assert.True(actual.eq(expected).all().item<bool>());
        Assert.Empty(norm.named_parameters());
    }

    [Fact]
    public void RMSNorm_over_two_trailing_dimensions()
    {
        using var norm = new RMSNorm([2, 3], 0.0, elementwiseAffine: false);
        using torch.Tensor x = torch.arange(1, 7, dtype: torch.float32).reshape(1, 2, 3);

        using torch.Tensor y = norm.forward(x);
        double rms = Math.Sqrt(Enumerable.Range(1, 6).Select(v => v * v).Average());

        Assert.Equal(1 / rms, y[0, 0, 0].item<float>(), 1e-5);
    }

    [Fact]
    public void RMSNorm_weight_is_ones_on_cpu_and_free_on_meta()
    {
        using var cpu = new RMSNorm(4);
        using var meta = new RMSNorm(4096, device: torch.META);

        Assert.True(cpu.weight!.eq(1).all().item<bool>());
        Assert.Equal(DeviceType.META, meta.weight!.device_type);
        Assert.Equal(new[] { "weight" }, meta.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void RMSNorm_rejects_an_empty_shape()
    {
        Assert.Throws<ArgumentException>(() => new RMSNorm(Array.Empty<long>()));
    }
}

/// <summary>Moving the layers (dtype, device) keeps the registered parameter and the one forward uses the same.</summary>
public sealed class LayersConversionTests
{
    [Fact]
    public void Embedding_to_another_dtype_converts_the_weight_forward_uses()
    {
        using var embedding = new Embedding(5, 3);
        embedding.to(torch.float64);

        Assert.Equal(torch.float64, embedding.weight.dtype);
        Assert.Same(embedding.weight, embedding.named_parameters().Single().parameter);
        using torch.Tensor row = embedding.forward(torch.tensor(new long[] { 1 }));
        Assert.Equal(torch.float64, row.dtype);
    }

    [Fact]
    public void RMSNorm_to_another_dtype_converts_the_weight_forward_uses()
    {
        using var norm = new RMSNorm(4);
        norm.to(torch.float64);

        Assert.Equal(torch.float64, norm.weight!.dtype);
        Assert.Same(norm.weight, norm.named_parameters().Single().parameter);
        using torch.Tensor y = norm.forward(torch.ones(2, 4, dtype: torch.float64));
        Assert.Equal(torch.float64, y.dtype);
    }
}
