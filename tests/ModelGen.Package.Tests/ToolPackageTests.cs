using System.Globalization;
using System.Text.Json;
using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>
/// The <c>ModelGen.Tool</c> package: the same version as the library, and installed from a clone the way
/// docs/cli.md says.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private const string DocumentedLocalVersion = "0.1.0-local.1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly string _root = Directory.CreateTempSubdirectory("modelgen-tool-").FullName;
    private readonly string _version = RepositoryPaths.ModelGenVersion + "-tool." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        NuGetCache.Remove(NuGetCache.VersionFolder("ModelGen.Tool", _version));
    }

    /// <summary>The package version MSBuild evaluates for a project, with optional extra properties.</summary>
    private static string PackageVersion(string project, params string[] properties)
    {
        ProcessResult result = ChildProcess.Dotnet(RepositoryPaths.Root, Timeout, ["msbuild", project, "-getProperty:PackageVersion", .. properties]);
        Assert.True(result.ExitCode == 0, result.Output);
        return result.Output.Trim();
    }

    [Theory]
    [InlineData]
    [InlineData("-p:Version=2.3.4-preview.5")]
    public void The_tool_and_the_library_pack_under_one_version(params string[] properties)
    {
        string library = PackageVersion(RepositoryPaths.RuntimeProject, properties);
        string tool = PackageVersion(RepositoryPaths.ToolProject, properties);

        Assert.Equal(library, tool);
        Assert.Equal(properties.Length == 0 ? RepositoryPaths.ModelGenVersion : "2.3.4-preview.5", tool);
    }

    [Fact]
    public void The_documented_install_from_a_clone_gives_a_modelgen_that_reads_checkpoints()
    {
        // docs/cli.md's global install, with --tool-path instead of --global: the same install into a folder of
        // this test rather than the machine's ~/.dotnet/tools.
        string toolPath = Path.Combine(_root, "tools");
        string install = Assert.Single(MarkdownGuide.Blocks(RepositoryPaths.Doc("cli.md")),
            b => b.Language == "sh" && b.Text.Contains("--global", StringComparison.Ordinal)).Text;
        Assert.Contains(DocumentedLocalVersion, install, StringComparison.Ordinal);
        string script = install
            .Replace("<clone>", RepositoryPaths.Root, StringComparison.Ordinal)
            .Replace(DocumentedLocalVersion, _version, StringComparison.Ordinal)
            .Replace("--global", $"--tool-path '{toolPath}'", StringComparison.Ordinal);
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = toolPath + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
            ["UseSharedCompilation"] = "false",
        };

        ProcessResult run = ChildProcess.Bash(_root, Timeout, script, environment);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        string checkpoint = Path.Combine(_root, "model.safetensors");
        SafetensorsF32File.Write(checkpoint, ("layers.10.w", [2], [1f, 2f]), ("layers.2.w", [1], [3f]));
        ProcessResult version = ChildProcess.Bash(_root, Timeout, "modelgen --version", environment);
        ProcessResult inspect = ChildProcess.Bash(_root, Timeout, $"modelgen inspect --json '{checkpoint}'", environment);
        Assert.StartsWith(_version + "+", version.Output.Trim(), StringComparison.Ordinal);
        Assert.True(inspect.ExitCode == 0, inspect.Output);
        using JsonDocument json = JsonDocument.Parse(inspect.Output);
        Assert.Equal(["layers.2.w", "layers.10.w"], json.RootElement.GetProperty("tensors").EnumerateArray().Select(t => t.GetProperty("key").GetString()!));
    }
}
