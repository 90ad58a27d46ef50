using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>A causal language model built by a recipe: token ids [batch, length] in, logits [batch, length, vocab] out.</summary>
public sealed class ExampleModel
{
    /// <summary>Wraps <paramref name="module"/>, which must be a generated <c>[ShardedModel]</c> root.</summary>
    /// <exception cref="ArgumentException">The module has no generated loading glue.</exception>
    public ExampleModel(torch.nn.Module<torch.Tensor, torch.Tensor> module, int vocabSize, string summary)
    {
        ArgumentNullException.ThrowIfNull(module);
        Module = module;
        Sharded = module as IShardedModel
            ?? throw new ArgumentException($"{module.GetType().Name} is not a [ShardedModel] root (no generated IShardedModel).", nameof(module));
        VocabSize = vocabSize;
        Summary = summary;
    }

    /// <summary>The module, for the forward pass.</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> Module { get; }

    /// <summary>The same module seen by the loader.</summary>
    public IShardedModel Sharded { get; }

    /// <summary>Size of the vocabulary (prompt token ids stay below it).</summary>
    public int VocabSize { get; }

    /// <summary>Architecture and size, one line.</summary>
    public string Summary { get; }

    /// <summary>
    /// The units sharded training gathers and recomputes (<see cref="ModelGen.Training.ShardedTrainingOptions.Units"/>);
    /// <see langword="null"/> for the default (every module-list element plus the root). A model whose modules run on
    /// some ranks only (mixture-of-experts experts, chosen per token) names the enclosing layers: every rank must run
    /// the same units.
    /// </summary>
    public IReadOnlyList<string>? ShardedTrainingUnits { get; init; }
}
