using TorchSharp;

namespace ModelGen.Examples.Modeling;

/// <summary>
/// A rotary scaling the examples compute: <c>linear</c> (positions divided by a factor) or <c>llama3</c> (Llama 3.1's
/// frequency-dependent scaling). Fields a kind does not use are zero, so two equal scalings compare equal.
/// </summary>
/// <param name="Kind"><c>rope_type</c> (or the older <c>type</c>).</param>
/// <param name="Factor"><c>factor</c>.</param>
/// <param name="LowFreqFactor"><c>low_freq_factor</c> (llama3).</param>
/// <param name="HighFreqFactor"><c>high_freq_factor</c> (llama3).</param>
/// <param name="OriginalMaxPositions"><c>original_max_position_embeddings</c> (llama3).</param>
public sealed record RopeScaling(string Kind, double Factor, double LowFreqFactor = 0, double HighFreqFactor = 0, int OriginalMaxPositions = 0)
{
    /// <summary>The <c>rope_type</c> values the examples compute (<c>default</c> means no scaling).</summary>
    public static readonly IReadOnlyList<string> Supported = ["default", "linear", "llama3"];

    /// <summary>Scales the inverse frequencies as transformers' <c>ROPE_INIT_FUNCTIONS</c> does for this kind.</summary>
    public torch.Tensor Apply(torch.Tensor inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        return Kind switch
        {
            "linear" => inverseFrequencies / Factor,
            "llama3" => Llama3(inverseFrequencies),
            _ => throw new FormatException($"rope_type '{Kind}' is not implemented (implemented: {string.Join(", ", Supported)})."),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        "llama3" => FormattableString.Invariant(
            $"llama3 (factor {Factor}, low_freq_factor {LowFreqFactor}, high_freq_factor {HighFreqFactor}, original_max_position_embeddings {OriginalMaxPositions})"),
        _ => FormattableString.Invariant($"{Kind} (factor {Factor})"),
    };

    private torch.Tensor Llama3(torch.Tensor invFreq)
    {
        using var scope = torch.NewDisposeScope();
        double lowFreqWavelength = OriginalMaxPositions / LowFreqFactor;
        double highFreqWavelength = OriginalMaxPositions / HighFreqFactor;
        var wavelength = 2 * Math.PI / invFreq;
        // Long wavelengths are slowed down by the factor, short ones kept, the band between interpolated smoothly.
        var scaled = torch.where(wavelength > lowFreqWavelength, invFreq / Factor, invFreq);
        var smooth = (OriginalMaxPositions / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        var smoothed = (1 - smooth) * scaled / Factor + smooth * scaled;
        var medium = (wavelength >= highFreqWavelength).logical_and(wavelength <= lowFreqWavelength);
        return torch.where(medium, smoothed, scaled).MoveToOuterDisposeScope();
    }
}
