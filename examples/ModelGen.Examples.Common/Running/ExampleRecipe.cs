using TorchSharp;

namespace ModelGen.Examples.Running;

/// <summary>What an example program contributes to the shared run: how to describe, size and build its model.</summary>
public abstract class ExampleRecipe
{
    /// <summary>One sentence for <c>--help</c>.</summary>
    public abstract string Description { get; }

    /// <summary>Where the checkpoint is looked for (and written when absent), relative to the working directory.</summary>
    public abstract string DefaultCheckpointFolder { get; }

    /// <summary>Size of the random checkpoint written when none exists, in MiB.</summary>
    public abstract int DefaultSizeMib { get; }

    /// <summary>The <c>config.json</c> text of a random model of about <paramref name="sizeMib"/> MiB in <paramref name="dtype"/>.</summary>
    /// <param name="sizeMib">Target size of the weights.</param>
    /// <param name="dtype">Element type the weights will be stored in.</param>
    /// <param name="tiedEmbeddings">Whether the LM head shares the token embedding (<c>tie_word_embeddings</c>).</param>
    public abstract string CreateRandomConfig(int sizeMib, torch.ScalarType dtype, bool tiedEmbeddings);

    /// <summary>
    /// Builds the model that <paramref name="configJson"/> describes, with floating-point tensors in
    /// <paramref name="dtype"/>, on the current default device (the runner calls it on the meta device).
    /// </summary>
    /// <exception cref="FormatException">The config lacks a field or describes something the example does not support.</exception>
    public abstract ExampleModel Build(string configJson, torch.ScalarType dtype);
}
