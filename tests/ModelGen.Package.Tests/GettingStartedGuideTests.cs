using System.Globalization;
using System.Text.RegularExpressions;
using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>
/// docs/getting-started.md, followed to the letter in an empty folder: every <c>sh</c> block runs in order (each
/// must succeed), every file block writes the file it names, every <c>text</c> block is checked against the output
/// of the command before it, and at the end of every section the project builds without warnings. Two things differ
/// from a reader's run: <c>&lt;clone&gt;</c> is this repository, and the guide's local version is replaced by one no
/// earlier run used (NuGet caches a version once), whose packages are removed from the machine's cache afterwards.
/// </summary>
public sealed partial class GettingStartedGuideTests : IDisposable
{
    private const string GuideLocalVersion = "0.1.0-local.1";
    private const string CloneMarker = "<clone>";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    private readonly string _root = Directory.CreateTempSubdirectory("modelgen-guide-").FullName;
    private readonly string _version = RepositoryPaths.ModelGenVersion + "-guide." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public GettingStartedGuideTests()
    {
        // Empty Directory.Build files end MSBuild's upward search: nothing above the temp folder leaks in.
        File.WriteAllText(Path.Combine(_root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(_root, "Directory.Build.targets"), "<Project />\n");
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        NuGetCache.Remove(NuGetCache.VersionFolder("ModelGen", _version));
        NuGetCache.Remove(NuGetCache.VersionFolder("ModelGen.Tool", _version));
    }

    /// <summary>What the child processes see besides the usual quiet dotnet settings: no compiler server, MPI allowed as root on few cores.</summary>
    private static readonly Dictionary<string, string> ChildEnvironment = new()
    {
        ["UseSharedCompilation"] = "false",
        ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
        ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
        ["OMPI_MCA_rmaps_base_oversubscribe"] = "1",
    };

    private static IReadOnlyList<GuideStep> GuideSteps() => MarkdownGuide.Steps(RepositoryPaths.Doc("getting-started.md"));

    private string Substitute(string text) =>
        text.Replace(CloneMarker, RepositoryPaths.Root, StringComparison.Ordinal).Replace(GuideLocalVersion, _version, StringComparison.Ordinal);

    [Fact]
    public void The_guide_uses_the_repository_version_and_has_only_steps_a_test_runs()
    {
        string guide = RepositoryPaths.Doc("getting-started.md");
        IReadOnlyList<GuideStep> steps = GuideSteps();

        // The guide's local version is a prerelease of the version the packages carry.
        Assert.StartsWith(RepositoryPaths.ModelGenVersion + "-", GuideLocalVersion, StringComparison.Ordinal);
        Assert.Contains(GuideLocalVersion, guide, StringComparison.Ordinal);
        // The only illustration is the renamed field's diagnostics, which PackageReferenceBuildTests checks against a real build.
        IllustrationStep illustration = Assert.Single(steps.OfType<IllustrationStep>());
        Assert.All(illustration.Lines, l => Assert.Matches(@"^\.\.\./.*: error MG\d{4}: ", l));
        Assert.Contains(steps, s => s is ShellStep shell && shell.Script.Contains("mpirun", StringComparison.Ordinal));
        Assert.Contains(steps, s => s is FileStep file && file.FileName == "TinyApp.csproj");
    }

    [Fact]
    public void A_newcomer_following_the_guide_builds_at_every_step_and_loads_the_checkpoint_on_one_and_three_ranks()
    {
        string folder = _root;
        ShellStep? lastShell = null;
        ProcessResult? lastOutput = null;
        bool changedSinceBuild = false;
        string section = "";
        byte[]? buildManifest = null;

        foreach (GuideStep step in GuideSteps())
        {
            if (step.Section != section)
            {
                BuildIfChanged(folder, section, ref changedSinceBuild);
                section = step.Section;
            }
            switch (step)
            {
                case ShellStep shell:
                    (lastOutput, folder) = Run(folder, shell);
                    lastShell = shell;
                    string written = Path.Combine(folder, "obj", "Debug", "net10.0", "modelgen", "model.safetensors.manifest");
                    if (File.Exists(written)) buildManifest = File.ReadAllBytes(written);
                    if (Builds(shell.Script)) changedSinceBuild = false;
                    break;
                case FileStep file:
                    GuideFiles.Apply(folder, file with { Text = Substitute(file.Text) });
                    changedSinceBuild = true;
                    break;
                case OutputStep output:
                    string[] printed = Displayed(lastOutput!.Output);
                    foreach (string line in output.Lines.Where(l => l.Trim().Length > 0))
                        Assert.True(
                            printed.Any(l => l.Trim() == line.Trim()),
                            $"{section}: '{lastShell!.Script.Trim()}' did not print '{line}'; it printed:\n{lastOutput.Output}");
                    break;
                case IllustrationStep:
                    break;
            }
        }
        BuildIfChanged(folder, section, ref changedSinceBuild);

        // What the guide claims beside its blocks: the tool writes the manifest the build wrote (from the checkpoint file), byte for byte.
        Assert.NotNull(buildManifest);
        Assert.Equal(buildManifest, File.ReadAllBytes(Path.Combine(folder, "checkpoint.manifest")));
        // The tool and the library carry the same version.
        ProcessResult version = ChildProcess.Bash(folder, StepTimeout, "dotnet modelgen --version", ChildEnvironment);
        Assert.StartsWith(_version + "+", version.Output.Trim(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Output lines as a terminal shows them: without the terminal mode escapes (<c>ESC[?1h ESC=</c>) .NET writes when
    /// mpirun gives the ranks a pseudo-terminal.
    /// </summary>
    private static string[] Displayed(string output) => TerminalEscape().Replace(output, "").Split('\n');

    [GeneratedRegex(@"\x1B(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial Regex TerminalEscape();

    private static bool Builds(string script) =>
        script.Contains("dotnet build", StringComparison.Ordinal) || script.Contains("dotnet run", StringComparison.Ordinal);

    /// <summary>Runs one block and returns its output and the folder it ended in (a <c>cd</c> carries over, as in the reader's shell).</summary>
    private (ProcessResult Result, string Folder) Run(string folder, ShellStep shell)
    {
        string marker = Path.Combine(_root, "cwd.txt");
        string script = Substitute(shell.Script) + $"\npwd > '{marker}'\n";
        ProcessResult result = ChildProcess.Bash(folder, StepTimeout, script, ChildEnvironment);
        Assert.True(result.ExitCode == 0, $"{shell.Section}, line {shell.Line}: exit {result.ExitCode} from\n{shell.Script}\n{result.Output}");
        if (Builds(shell.Script)) AssertNoWarnings(shell.Section, result);
        return (result, File.ReadAllText(marker).Trim());
    }

    /// <summary>A section that changed files without building ends with a build, so every step is proven to build.</summary>
    private static void BuildIfChanged(string folder, string section, ref bool changedSinceBuild)
    {
        if (!changedSinceBuild) return;
        ProcessResult build = ChildProcess.Build(folder, StepTimeout);
        Assert.True(build.ExitCode == 0, $"the project does not build at the end of '{section}':\n{build.Output}");
        AssertNoWarnings(section, build);
        changedSinceBuild = false;
    }

    private static void AssertNoWarnings(string section, ProcessResult build) =>
        Assert.False(build.Output.Contains(": warning ", StringComparison.Ordinal), $"'{section}' builds with warnings:\n{build.Output}");
}
