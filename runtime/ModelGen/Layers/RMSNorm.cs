using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Layers;

/// <summary>
/// Root-mean-square normalization over the last dimensions, as <c>torch.nn.RMSNorm</c> computes it
/// (TorchSharp has none): y = x / sqrt(mean(x², over the normalized dimensions) + eps) * weight. Half-precision
/// inputs are normalized in float32 and cast back before the weight is applied. The parameter is registered as
/// <c>weight</c>, created on the requested device (meta costs nothing) and initialized to ones.
/// </summary>
public sealed class RMSNorm : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    private readonly long[] _normalizedShape;

    /// <summary>Creates the layer over the last dimension.</summary>
    /// <param name="normalizedShape">Size of the last dimension.</param>
    /// <param name="eps">Added to the mean square; when null, the machine epsilon of the input's dtype (as torch does).</param>
    /// <param name="elementwiseAffine">Whether the layer has a learnable <c>weight</c>.</param>
    /// <param name="device">Device of the weight; <c>torch.META</c> allocates nothing.</param>
    /// <param name="dtype">Element type of the weight; the default dtype when null.</param>
    public RMSNorm(long normalizedShape, double? eps = null, bool elementwiseAffine = true, torch.Device? device = null, torch.ScalarType? dtype = null)
        : this([normalizedShape], eps, elementwiseAffine, device, dtype)
    {
    }

    /// <summary>Creates the layer over the last <c>normalizedShape.Length</c> dimensions.</summary>
    /// <param name="normalizedShape">Sizes of the normalized trailing dimensions.</param>
    /// <param name="eps">Added to the mean square; when null, the machine epsilon of the input's dtype.</param>
    /// <param name="elementwiseAffine">Whether the layer has a learnable <c>weight</c>.</param>
    /// <param name="device">Device of the weight.</param>
    /// <param name="dtype">Element type of the weight.</param>
    public RMSNorm(long[] normalizedShape, double? eps = null, bool elementwiseAffine = true, torch.Device? device = null, torch.ScalarType? dtype = null)
        : base(nameof(RMSNorm))
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0) throw new ArgumentException("RMSNorm needs at least one normalized dimension.", nameof(normalizedShape));
        _normalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            var weight = new Parameter(torch.empty(_normalizedShape, dtype, device));
            using (torch.no_grad()) weight.fill_(1);
            ConditionallyRegisterParameter("weight", weight);
        }
    }

    /// <summary>The epsilon added to the mean square, or null for the input dtype's machine epsilon.</summary>
    public double? Eps { get; }

    /// <summary>The learnable scale (null without elementwise affine). Setting it re-registers the parameter.</summary>
    public Parameter? weight
    {
        // Held only in the module's parameter registry: a Parameter field would be registered a second time,
        // under the field's own name, by TorchSharp's reflection over fields.
        get => get_parameter("weight");
        set => ConditionallyRegisterParameter("weight", value);
    }

    /// <inheritdoc />
    public override torch.Tensor forward(torch.Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = torch.NewDisposeScope();
        var dims = Enumerable.Range(0, _normalizedShape.Length).Select(i => (long)(-1 - i)).ToArray();
        bool upcast = input.dtype is torch.ScalarType.Float16 or torch.ScalarType.BFloat16;
        var x = upcast ? input.to_type(torch.ScalarType.Float32) : input;
        double eps = Eps ?? torch.finfo(input.dtype).eps;
        var normalized = x * torch.rsqrt(x.pow(2).mean(dims, keepdim: true) + eps);
        if (upcast) normalized = normalized.to_type(input.dtype);
        Parameter? weight = this.weight;
        var result = weight is null ? normalized : normalized * weight;
        return result.MoveToOuterDisposeScope();
    }
}
