using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// The shape of each tensor of a built-in layer as a function of its constructor arguments (TorchSharp 0.107
/// parameter names), as PyTorch and TorchSharp allocate them.
/// </summary>
internal static class LayerShapes
{
    /// <summary>
    /// The dimensions of tensor <paramref name="tensor"/> of a layer, or null (with <paramref name="reason"/>)
    /// when an argument it depends on was not evaluated.
    /// </summary>
    public static IReadOnlyList<DimExpr>? Of(string layer, string tensor, IReadOnlyDictionary<string, DimExpr> args, out string? reason)
    {
        reason = null;
        var missing = new List<string>();
        DimExpr Arg(string name)
        {
            if (args.TryGetValue(name, out DimExpr? value)) return value;
            missing.Add(name);
            return DimExpr.Opaque(name, null);
        }

        IReadOnlyList<DimExpr>? shape = layer switch
        {
            "Linear" => tensor == "weight" ? new[] { Arg("outputSize"), Arg("inputSize") } : new[] { Arg("outputSize") },
            "Bilinear" => tensor == "weight" ? new[] { Arg("out_features"), Arg("in1_features"), Arg("in2_features") } : new[] { Arg("out_features") },
            "Conv1d" or "Conv2d" or "Conv3d" => tensor == "weight"
                ? new[] { Arg("out_channels"), Divide(Arg("in_channels"), Arg("groups")) }.Concat(Kernel(Arg("kernel_size"), layer[4] - '0')).ToArray()
                : new[] { Arg("out_channels") },
            "ConvTranspose1d" or "ConvTranspose2d" or "ConvTranspose3d" => tensor == "weight"
                ? new[] { Arg("in_channels"), Divide(Arg("out_channels"), Arg("groups")) }.Concat(Kernel(Arg("kernel_size"), layer[13] - '0')).ToArray()
                : new[] { Arg("out_channels") },
            "LayerNorm" => Normalized(Arg("normalized_shape")),
            "RMSNorm" => Normalized(Arg("normalizedShape")),
            "GroupNorm" => new[] { Arg("num_channels") },
            "BatchNorm1d" or "BatchNorm2d" or "BatchNorm3d" or "InstanceNorm1d" or "InstanceNorm2d" or "InstanceNorm3d" =>
                tensor == "num_batches_tracked" ? System.Array.Empty<DimExpr>() : new[] { Arg("num_features") },
            "PReLU" => new[] { Arg("num_parameters") },
            "Embedding" or "EmbeddingBag" => args.ContainsKey("numEmbeddings")
                ? new[] { Arg("numEmbeddings"), Arg("embeddingDim") }
                : new[] { Arg("num_embeddings"), Arg("embedding_dims") },
            _ => null,
        };
        if (shape is null)
        {
            reason = $"the generator knows no shape rule for {layer}";
            return null;
        }
        if (missing.Count > 0)
        {
            reason = $"its {string.Join(", ", missing)} argument is not known";
            return null;
        }
        return shape;
    }

    private static DimExpr Divide(DimExpr a, DimExpr groups) =>
        groups is { IsConstant: true, Value: 1 } ? a : DimArithmetic.Combine(DimKind.Divide, a, groups, a.Text + " / " + groups.Text, a.Location);

    /// <summary>A kernel size: a tuple as given, or one number repeated for every spatial dimension.</summary>
    private static IEnumerable<DimExpr> Kernel(DimExpr kernel, int dimensions) =>
        kernel.Kind == DimKind.Tuple ? kernel.Operands : Enumerable.Repeat(kernel, dimensions);

    private static IReadOnlyList<DimExpr> Normalized(DimExpr shape) =>
        shape.Kind == DimKind.Tuple ? shape.Operands.ToArray() : new[] { shape };
}
