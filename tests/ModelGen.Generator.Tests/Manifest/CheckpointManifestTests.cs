using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Manifest;

/// <summary>The header reader shared by the build step and the manifest command.</summary>
public sealed class CheckpointManifestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-manifest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void A_safetensors_file_becomes_sorted_key_dtype_shape_lines()
    {
        string file = PathOf("model.safetensors");
        SafetensorsFile.Write(file,
            ("model.norm.weight", "BF16", [8], 2),
            ("lm_head.weight", "F32", [4, 8], 4),
            ("step", "I64", [], 8));

        string text = CheckpointManifest.FromCheckpoint(file);

        Assert.Equal(
            "# ModelGen checkpoint manifest of model.safetensors: key dtype shape\n" +
            "lm_head.weight F32 [4,8]\nmodel.norm.weight BF16 [8]\nstep I64 []\n",
            text);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "invalid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "duplicate key 'a'")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "has no dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "has no shape")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}", "data offsets outside the file")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "not a non-negative integer")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", "has no dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", "invalid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"dtype\":\"F16\"}}", "duplicate key 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", "duplicate key 'k'")]
    public void Invalid_headers_are_rejected_with_a_reason(string header, string reason)
    {
        string file = PathOf("bad.safetensors");
        SafetensorsFile.WriteRaw(file, header, dataBytes: 4);

        var e = Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(file));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_header_that_is_not_json_is_rejected_naming_the_character_and_the_error()
    {
        string file = PathOf("bad.safetensors");
        SafetensorsFile.WriteRaw(file, "{\"a\":{\"dtype\":\"F32\" \"shape\":[1],\"data_offsets\":[0,4]}}", dataBytes: 4);

        var e = Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(file));

        Assert.Equal("invalid JSON at character 20: expected ',' or '}' in an object", e.Message);
    }

    [Fact]
    public void Escaped_keys_and_metadata_are_decoded_before_the_manifest_is_written()
    {
        string file = PathOf("escaped.safetensors");
        SafetensorsFile.WriteRaw(file,
            "{\"__metadata__\":{\"format\":\"pt\"},\"caf\\u00e9.w\\u0065ight\":{\"dtype\":\"F32\",\"shape\":[1,123456789012],\"data_offsets\":[0,4]}}",
            dataBytes: 4);

        string text = CheckpointManifest.FromCheckpoint(file);

        Assert.EndsWith("\ncafé.weight F32 [1,123456789012]\n", text);
    }

    [Fact]
    public void Truncated_files_and_oversized_headers_are_rejected()
    {
        string tiny = PathOf("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        string past = PathOf("past.safetensors");
        SafetensorsFile.WriteRaw(past, "{}", 0, declaredLength: 4096);
        string huge = PathOf("huge.safetensors");
        SafetensorsFile.WriteRaw(huge, "{}", 0, declaredLength: 200_000_000);

        Assert.Contains("shorter", Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(tiny)).Message);
        Assert.Contains("past the end", Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(past)).Message);
        Assert.Contains("exceeds", Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(huge)).Message);
    }

    [Fact]
    public void Invalid_utf8_in_the_header_is_rejected()
    {
        string file = PathOf("utf8.safetensors");
        using (var stream = File.Create(file))
        {
            stream.Write(BitConverter.GetBytes(8UL));
            stream.Write([(byte)'{', 0xFF, 0xFE, (byte)'}', 32, 32, 32, 32]);
        }

        Assert.Contains("UTF-8", Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(file)).Message);
    }

    [Fact]
    public void An_index_reads_present_shards_and_lists_keys_of_absent_ones()
    {
        SafetensorsFile.Write(PathOf("model-00001-of-00002.safetensors"), ("a.weight", "F16", [2, 2], 2));
        File.WriteAllText(PathOf("model.safetensors.index.json"), """
            {"metadata": {"total_size": 16},
             "weight_map": {"b.weight": "model-00002-of-00002.safetensors", "a.weight": "model-00001-of-00002.safetensors"}}
            """);

        string text = CheckpointManifest.FromCheckpoint(PathOf("model.safetensors.index.json"));

        Assert.EndsWith("a.weight F16 [2,2]\nb.weight\n", text);
    }

    [Fact]
    public void An_index_without_weight_map_is_rejected()
    {
        File.WriteAllText(PathOf("model.safetensors.index.json"), "{\"metadata\": {}}");

        Assert.Contains("weight_map", Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(PathOf("model.safetensors.index.json"))).Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"a.weight\": 3}}", "weight_map entry 'a.weight' is not a file name")]
    [InlineData("{\"weight_map\": {\"a.weight\": \"x.safetensors\", \"a.weight\": \"y.safetensors\"}}", "duplicate key 'a.weight'")]
    [InlineData("{\"weight_map\": [\"a.weight\"]}", "the index has no weight_map object")]
    [InlineData("{\"weight_map\": {}", "invalid JSON at character 17: expected ',' or '}' in an object")]
    public void An_invalid_index_is_rejected_with_a_reason(string index, string reason)
    {
        File.WriteAllText(PathOf("model.safetensors.index.json"), index);

        var e = Assert.Throws<InvalidDataException>(() => CheckpointManifest.FromCheckpoint(PathOf("model.safetensors.index.json")));
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("model.safetensors", true)]
    [InlineData("model.safetensors.index.json", true)]
    [InlineData("model.manifest", false)]
    [InlineData("keys.txt", false)]
    public void Checkpoint_files_are_told_from_manifests_by_name(string name, bool isCheckpoint)
    {
        Assert.Equal(isCheckpoint, CheckpointManifest.IsCheckpoint(name));
    }

    [Fact]
    public void The_written_manifest_is_valid_for_the_generator()
    {
        string file = PathOf("model.safetensors");
        SafetensorsFile.Write(file, ("proj.weight", "F32", [2, 2], 4), ("proj.bias", "F32", [2], 4));
        string text = CheckpointManifest.FromCheckpoint(file);

        var spec = ModelGen.Generator.Manifest.ManifestParser.Parse("m.manifest", "Demo.M", Microsoft.CodeAnalysis.Text.SourceText.From(text));

        Assert.Empty(spec.Diagnostics);
        Assert.Equal(new[] { "proj.bias", "proj.weight" }, spec.Entries.Select(e => e.Key));
        Assert.Equal(1, spec.Entries[0].Line);
    }
}
