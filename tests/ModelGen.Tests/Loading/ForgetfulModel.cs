using ModelGen.Mapping;
using static TorchSharp.torch;

namespace ModelGen.Tests.Loading;

/// <summary>A model whose computed-buffer hook forgets its buffer: the loader must refuse to hand it back.</summary>
internal sealed class ForgetfulModel : IShardedModel
{
    private readonly HandWrittenModel _inner = new();

    public IReadOnlyList<TensorSlot> GetTensorSlots() => _inner.GetTensorSlots();

    public void ComputeBuffers(Device device) { }
}
