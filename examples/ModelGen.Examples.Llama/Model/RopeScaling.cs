using TorchSharp;

namespace ModelGen.Examples.Llama.Model;

/// <summary>
/// <c>rope_scaling</c> of a Llama config: <c>linear</c> (positions divided by a factor) or <c>llama3</c>
/// (Llama 3.1's frequency-dependent scaling). Other kinds are refused rather than silently ignored.
/// </summary>
/// <param name="Kind"><c>rope_type</c> (or the older <c>type</c>).</param>
/// <param name="Factor"><c>factor</c>.</param>
/// <param name="LowFreqFactor"><c>low_freq_factor</c> (llama3).</param>
/// <param name="HighFreqFactor"><c>high_freq_factor</c> (llama3).</param>
/// <param name="OriginalMaxPositions"><c>original_max_position_embeddings</c> (llama3).</param>
public sealed record RopeScaling(string Kind, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositions)
{
    /// <summary>The kinds this example computes.</summary>
    public static readonly IReadOnlyList<string> Supported = ["default", "linear", "llama3"];

    /// <summary>Scales the inverse frequencies as transformers' <c>ROPE_INIT_FUNCTIONS</c> does for this kind.</summary>
    public torch.Tensor Apply(torch.Tensor inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        return Kind switch
        {
            "default" => inverseFrequencies.clone(),
            "linear" => inverseFrequencies / Factor,
            "llama3" => Llama3(inverseFrequencies),
            _ => throw new FormatException($"rope_scaling type '{Kind}' is not supported (supported: {string.Join(", ", Supported)})."),
        };
    }

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
