using System;
using System.Collections.Generic;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// The words of the checkpoint diagnostics that depend on the model's key policy, and the names of buffers that are
/// usually computed. Shared with <c>modelgen check</c>, so the tool and the build say the same thing.
/// </summary>
internal static class KeyPolicyWording
{
    /// <summary>Buffers that models compute from their config rather than load (rotary frequencies and their caches).</summary>
    private static readonly HashSet<string> s_computedNames = new(StringComparer.Ordinal)
    {
        "inv_freq", "original_inv_freq", "cos_cached", "sin_cached", "freqs_cis",
    };

    /// <summary>What follows the MG0006 message: what the load does with the key, then the suggestion if any.</summary>
    public static string Unexpected(bool ignore, string? suggestion) =>
        (ignore ? "; the load ignores it (UnexpectedKeys is Ignore)" : "; the load refuses it (UnexpectedKeys is Refuse)")
        + (suggestion is null ? "" : $"; did you mean '{suggestion}'?");

    /// <summary>The end of an MG0007 message for one tensor: what the load does with it.</summary>
    public static string Missing(bool initialize, string initializer) =>
        initialize
            ? "it will be initialized with " + initializer
            : $"the load refuses it (MissingKeys is Refuse): add it to the checkpoint, declare it new with [Initializer], or set MissingKeys = Initialize to initialize it with {initializer}";

    /// <summary>The end of an MG0007 message for a whole container the checkpoint lacks.</summary>
    public static string MissingContainer(bool initialize) =>
        initialize
            ? "they will be initialized with their defaults"
            : "the load refuses them (MissingKeys is Refuse): check the field's name against the checkpoint, declare them new with [Initializer], or set MissingKeys = Initialize";

    /// <summary>The middle of an MG0007 message for a container: what it holds and why it counts as absent.</summary>
    public static string ContainerDetail(string prefix, string? suggestion) =>
        $": no checkpoint key starts with '{prefix}.'" + (suggestion is null ? "" : $" (did you mean '{suggestion}'?)");

    /// <summary>The kind phrase of an MG0007 message for a container.</summary>
    public static string ContainerKind(int tensors) => $"{tensors} tensors";

    /// <summary>The end of an MG0013 message: a hint at [ComputedBuffer] for a buffer named like a computed one.</summary>
    public static string WithoutInitializerHint(bool buffer, string pattern)
    {
        if (!buffer) return "";
        int dot = pattern.LastIndexOf('.');
        string name = dot < 0 ? pattern : pattern.Substring(dot + 1);
        return s_computedNames.Contains(name)
            ? $"; '{name}' is usually computed rather than loaded: mark the field [ComputedBuffer(nameof(Method))] to compute it after loading"
            : "";
    }
}
