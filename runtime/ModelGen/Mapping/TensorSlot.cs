using TorchSharp;

namespace ModelGen.Mapping;

/// <summary>
/// One concrete checkpoint key of a model instance and the generated glue that reaches it: read the current
/// tensor (a meta placeholder right after meta construction), put a new tensor in its place, and run the
/// default initializer when the checkpoint does not provide it. Instances come from generated code
/// (<see cref="IShardedModel.GetTensorSlots"/>); the loader never looks members up by reflection.
/// </summary>
public sealed class TensorSlot
{
    /// <summary>Creates a slot. Called by generated code.</summary>
    public TensorSlot(
        string key,
        string pattern,
        TensorKind kind,
        Func<torch.Tensor?> get,
        Action<torch.Tensor> set,
        Action<torch.Tensor>? initialize = null,
        string? tiedTo = null,
        bool computed = false)
    {
        Key = key;
        Pattern = pattern;
        Kind = kind;
        Get = get;
        Set = set;
        Initialize = initialize;
        TiedTo = tiedTo;
        Computed = computed;
    }

    /// <summary>The concrete checkpoint key, for example <c>model.layers.3.mlp.up_proj.weight</c>.</summary>
    public string Key { get; }

    /// <summary>The key pattern in the generated table, with <c>{i}</c> for list indices.</summary>
    public string Pattern { get; }

    /// <summary>Parameter or buffer.</summary>
    public TensorKind Kind { get; }

    /// <summary>Returns the tensor the module holds now (shape and dtype of the placeholder before loading).</summary>
    public Func<torch.Tensor?> Get { get; }

    /// <summary>
    /// Puts a tensor into the module so that both <c>named_parameters()</c>/<c>named_buffers()</c> and <c>forward</c> see it.
    /// For a parameter, a tensor that is not already a <c>Parameter</c> is wrapped in one that takes over its native
    /// handle (keeping the replaced parameter's <c>requires_grad</c>): use <see cref="Get"/> afterwards, not the tensor
    /// passed in. Passing the <c>Parameter</c> of another slot shares it (tied weights).
    /// </summary>
    public Action<torch.Tensor> Set { get; }

    /// <summary>
    /// Fills a materialized tensor of this slot's shape in place with the layer's default (or the user's)
    /// initialization. <see langword="null"/> for buffers that have no meaningful default and computed buffers.
    /// </summary>
    public Action<torch.Tensor>? Initialize { get; }

    /// <summary>When set, this key shares the tensor of the slot with this key (tied weights): one tensor, both names.</summary>
    public string? TiedTo { get; }

    /// <summary>A buffer computed by the model (<see cref="IShardedModel.ComputeBuffers"/>) rather than loaded.</summary>
    public bool Computed { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} ({Kind})";
}
