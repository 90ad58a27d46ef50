using System.Globalization;
using ModelGen.Examples.Modeling;

namespace ModelGen.Examples.Checkpoints;

/// <summary>
/// The rotary settings of a config, from either place transformers writes them: the top-level <c>rope_theta</c> and
/// <c>rope_scaling</c> (transformers 4.x) or the <c>rope_parameters</c> object (transformers 5.x, where theta, type and
/// scaling fields live together). When both places are written they must agree; a disagreement is refused, since
/// which one wins depends on the transformers version.
/// </summary>
/// <param name="Theta">The rotary base (<c>rope_theta</c>).</param>
/// <param name="Scaling">The scaling, or <see langword="null"/> for <c>default</c>.</param>
public sealed record RotaryConfig(double Theta, RopeScaling? Scaling)
{
    private const string Parameters = "rope_parameters";
    private const string Legacy = "rope_scaling";

    /// <summary>Reads the rotary settings of <paramref name="config"/>.</summary>
    /// <param name="config">The parsed config.</param>
    /// <param name="defaultTheta">The model's <c>rope_theta</c> when the config gives none.</param>
    /// <exception cref="FormatException">A kind the examples do not implement, a missing field, or two places that disagree.</exception>
    public static RotaryConfig Read(ConfigJson config, double defaultTheta)
    {
        ArgumentNullException.ThrowIfNull(config);
        ConfigJson? parameters = config.Object(Parameters);
        ConfigJson? legacy = config.Object(Legacy);
        if (parameters is not null && !parameters.Has("rope_type") && !parameters.Has("type") && !parameters.Has("rope_theta")
            && parameters.FieldNames.Any(parameters.IsObject))
        {
            throw new FormatException(
                $"config.json field '{Parameters}' holds one entry per layer type ({string.Join(", ", parameters.FieldNames)}): this example implements one rotary setting for all layers.");
        }

        RefusePartialRotary(config);
        if (parameters is not null) RefusePartialRotary(parameters);

        double? topTheta = config.OptionalDouble("rope_theta");
        double? parameterTheta = parameters?.OptionalDouble("rope_theta");
        if (topTheta is { } top && parameterTheta is { } nested && top != nested)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"config.json has rope_theta {top} and {Parameters}.rope_theta {nested}: they disagree, and which one transformers uses depends on its version. Keep one."));
        }

        RopeScaling? fromParameters = parameters is null ? null : ReadScaling(parameters, Parameters);
        RopeScaling? fromLegacy = legacy is null ? null : ReadScaling(legacy, Legacy);
        if (parameters is not null && legacy is not null && fromParameters != fromLegacy)
        {
            throw new FormatException(
                $"config.json has {Legacy} {Describe(fromLegacy)} and {Parameters} {Describe(fromParameters)}: they disagree, and which one transformers uses depends on its version. Keep one.");
        }
        return new RotaryConfig(parameterTheta ?? topTheta ?? defaultTheta, fromParameters ?? fromLegacy);
    }

    private static RopeScaling? ReadScaling(ConfigJson scaling, string field)
    {
        string kind = scaling.String("rope_type") ?? scaling.String("type") ?? "default";
        RopeScaling? result = kind switch
        {
            "default" => null,
            "linear" => new RopeScaling(kind, scaling.RequiredDouble("factor")),
            "llama3" => new RopeScaling(
                kind,
                scaling.RequiredDouble("factor"),
                scaling.RequiredDouble("low_freq_factor"),
                scaling.RequiredDouble("high_freq_factor"),
                scaling.OptionalInt("original_max_position_embeddings") ?? throw new FormatException(
                    $"config.json lacks the required field '{scaling.FieldPath("original_max_position_embeddings")}'.")),
            _ => throw new FormatException(
                $"config.json {field} has rope_type '{kind}': this example implements {string.Join(", ", RopeScaling.Supported)} " +
                "(not dynamic, yarn, longrope or other kinds)."),
        };
        if (result is null) return null;
        if (result.Factor <= 0)
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"config.json field '{scaling.FieldPath("factor")}' must be positive, not {result.Factor}."));
        if (kind == "llama3" && (result.HighFreqFactor <= result.LowFreqFactor || result.LowFreqFactor <= 0 || result.OriginalMaxPositions <= 0))
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"config.json {field} (llama3) needs 0 < low_freq_factor < high_freq_factor and a positive original_max_position_embeddings, not {result}."));
        }
        return result;
    }

    /// <summary>Rotating only part of each head changes the math; none of the examples' models does it.</summary>
    private static void RefusePartialRotary(ConfigJson config)
    {
        if (config.OptionalDouble("partial_rotary_factor") is { } factor && factor != 1.0)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"config.json field '{config.FieldPath("partial_rotary_factor")}' is {factor}: this example rotates whole heads (1.0) only."));
        }
    }

    private static string Describe(RopeScaling? scaling) => scaling?.ToString() ?? "default (no scaling)";
}
