using System.Text.Json;
using TorchSharp;

namespace ModelGen.Cli.Check;

/// <summary>The element type a Hugging Face config.json names in <c>torch_dtype</c> (<c>"bfloat16"</c>, <c>"float32"</c>, ...).</summary>
internal static class ConfigDType
{
    private static readonly Dictionary<string, torch.ScalarType> s_byName = new(StringComparer.Ordinal)
    {
        ["bfloat16"] = torch.ScalarType.BFloat16,
        ["float16"] = torch.ScalarType.Float16,
        ["float32"] = torch.ScalarType.Float32,
        ["float64"] = torch.ScalarType.Float64,
    };

    /// <summary>The dtype of <c>torch_dtype</c>, or null when the config names none or one without a floating type.</summary>
    public static torch.ScalarType? Read(string configPath)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(configPath));
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("torch_dtype", out JsonElement value)
            && value.ValueKind == JsonValueKind.String
            && s_byName.TryGetValue(value.GetString()!.Replace("torch.", "", StringComparison.Ordinal), out torch.ScalarType dtype)
            ? dtype
            : null;
    }
}
