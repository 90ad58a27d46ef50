using TorchSharp;

namespace ModelGen.Mapping;

/// <summary>
/// Implemented by the source generator on every <c>[ShardedModel]</c> class: the model's checkpoint key table
/// and the glue the loader needs, with no reflection at run time.
/// </summary>
public interface IShardedModel
{
    /// <summary>
    /// Every checkpoint key of this instance (list indices expanded from the actual module lists), in the
    /// generated deterministic order.
    /// </summary>
    IReadOnlyList<TensorSlot> GetTensorSlots();

    /// <summary>
    /// Fills the buffers marked as computed (for example rotary <c>inv_freq</c>) on <paramref name="device"/>.
    /// Called once, after every loaded and initialized tensor is in place.
    /// </summary>
    void ComputeBuffers(torch.Device device);

    /// <summary>
    /// The model's generated key table: every key pattern, the checkpoint keys it ignores and the key policy the build
    /// checked it with, which the loader follows. Models not produced by the generator return
    /// <see cref="CheckpointKeyTable.Empty"/> (no patterns, both policies <c>Refuse</c>) unless they implement it.
    /// </summary>
    CheckpointKeyTable KeyTable => CheckpointKeyTable.Empty;

    /// <summary>
    /// Keys (globs: <c>*</c> within a segment, <c>**</c> across) that stay whole on every rank when the model is loaded
    /// fully sharded, for tensors too small to be worth gathering. None by default: every tensor is sharded, as FSDP2
    /// does. Implement it explicitly to declare some, for example
    /// <c>IReadOnlyList&lt;string&gt; IShardedModel.ReplicatedKeys =&gt; ["**.input_layernorm.weight"];</c>.
    /// </summary>
    IReadOnlyList<string> ReplicatedKeys => [];
}
