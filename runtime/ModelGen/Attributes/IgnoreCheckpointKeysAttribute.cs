namespace ModelGen;

/// <summary>
/// Declares checkpoint keys the model deliberately does not take (for example rotary <c>inv_freq</c> saved by
/// older exporters, or quantization side tensors). Matching keys are neither reported at build time nor loaded.
/// </summary>
/// <remarks>
/// The pattern is a glob over the whole key: <c>*</c> matches any run of characters inside one dot-separated
/// segment, <c>**</c> matches any run of characters including dots, <c>?</c> matches one character other than a
/// dot. Examples: <c>model.layers.*.self_attn.rotary_emb.inv_freq</c>, <c>**.weight_scale</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class IgnoreCheckpointKeysAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="pattern">Glob over checkpoint keys; see the remarks.</param>
    public IgnoreCheckpointKeysAttribute(string pattern) => Pattern = pattern;

    /// <summary>Glob over checkpoint keys.</summary>
    public string Pattern { get; }
}
