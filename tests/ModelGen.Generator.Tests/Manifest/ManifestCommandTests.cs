using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.Manifest;

/// <summary>The modelgen-manifest command.</summary>
public sealed class ManifestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-command-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ModelGen.Manifest.Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Prints_the_manifest_or_writes_it_to_a_file()
    {
        string checkpoint = Path.Combine(_directory, "model.safetensors");
        SafetensorsFile.Write(checkpoint, ("w", "F32", [3], 4));
        string target = Path.Combine(_directory, "model.manifest");

        var printed = Run(checkpoint);
        var written = Run(checkpoint, "--output", target);

        Assert.Equal(0, printed.Code);
        Assert.EndsWith("w F32 [3]\n", printed.Output);
        Assert.Equal(0, written.Code);
        Assert.Equal(printed.Output, File.ReadAllText(target));
    }

    [Theory]
    [InlineData()]
    [InlineData("a.safetensors", "b.safetensors")]
    [InlineData("--bogus")]
    [InlineData("weights.bin")]
    public void Bad_arguments_exit_with_2(params string[] args)
    {
        var result = Run(args);

        Assert.Equal(2, result.Code);
        Assert.NotEmpty(result.Error);
    }

    [Fact]
    public void An_unreadable_checkpoint_exits_with_1()
    {
        var result = Run(Path.Combine(_directory, "missing.safetensors"));

        Assert.Equal(1, result.Code);
        Assert.Contains("cannot read", result.Error);
    }

    [Fact]
    public void Help_prints_usage()
    {
        var result = Run("--help");

        Assert.Equal(0, result.Code);
        Assert.StartsWith("usage:", result.Output);
    }
}
