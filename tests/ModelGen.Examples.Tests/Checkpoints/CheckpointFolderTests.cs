using System.Text.Json;
using ModelGen.Examples.Checkpoints;
using ModelGen.Examples.Running;
using ModelGen.Examples.Tests.Infrastructure;

namespace ModelGen.Examples.Tests.Checkpoints;

/// <summary>
/// A random checkpoint is written only into the demo folder or with --create-random: a mistyped, foreign or unreadable
/// --checkpoint folder fails with exit code 1 and a message naming the path and what to do, and nothing is written.
/// </summary>
public sealed class CheckpointFolderTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private static readonly string Llama = Repository.ExampleDll("ModelGen.Examples.Llama");
    private static readonly string Moe = Repository.ExampleDll("ModelGen.Examples.Moe");

    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-folder-").FullName;

    public void Dispose()
    {
        // An unreadable folder left by a test must not stop the clean-up.
        foreach (string directory in Directory.EnumerateDirectories(_folder, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task MistypedPathFailsNamingItAndWritesNothing()
    {
        string missing = Path.Combine(_folder, "Llama-3.2-1B-typo");
        ProgramRun run = await ProgramRun.DotnetAsync(Llama, ["--checkpoint", missing, "--json"], _folder, Bound);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"The checkpoint folder {missing} does not exist", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("--create-random", run.StandardError, StringComparison.Ordinal);
        Assert.Equal("", run.StandardOutput);
        Assert.False(Directory.Exists(missing), "nothing may be written at a mistyped path");
    }

    [Fact]
    public async Task FolderWithoutCheckpointFailsAndStaysUntouched()
    {
        string foreign = Path.Combine(_folder, "notes");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "README.txt"), "not a checkpoint");
        ProgramRun run = await ProgramRun.DotnetAsync(Llama, ["--checkpoint", foreign], _folder, Bound);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"The checkpoint folder {foreign} holds no checkpoint", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("--create-random", run.StandardError, StringComparison.Ordinal);
        Assert.Equal(["README.txt"], Directory.GetFileSystemEntries(foreign).Select(Path.GetFileName));
    }

    [Fact]
    public async Task UnreadableFolderIsNotTakenForAnEmptyOne()
    {
        string locked = Path.Combine(_folder, "locked");
        Directory.CreateDirectory(locked);
        File.WriteAllText(Path.Combine(locked, CheckpointFolder.ConfigFileName), "{}");
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Permissions do not stop root: as root, the example runs as the unprivileged user 'nobody' for this test.
        string[] example = ["--checkpoint", locked, "--create-random", "--size-mib", "8"];
        ProgramRun run = Environment.UserName == "root"
            ? await ProgramRun.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + _folder, "DOTNET_CLI_HOME=" + _folder, ProgramRun.Dotnet, Moe, .. example], _folder, Bound)
            : await ProgramRun.DotnetAsync(Moe, example, _folder, Bound);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"The checkpoint folder {locked} cannot be read", run.StandardError, StringComparison.Ordinal);
        Assert.Equal([CheckpointFolder.ConfigFileName], Directory.GetFileSystemEntries(locked).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CreateRandomWritesIntoTheFolderAsked()
    {
        string fresh = Path.Combine(_folder, "fresh");
        ProgramRun run = await ProgramRun.DotnetAsync(Moe, ["--checkpoint", fresh, "--create-random", "--size-mib", "8", "--no-forward", "--json"], _folder, Bound);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(fresh, CheckpointFolder.IndexFileName)));
        using JsonDocument report = JsonDocument.Parse(run.StandardOutput);
        Assert.True(report.RootElement.GetProperty("checkpoint_written").GetBoolean());
    }

    [Fact]
    public async Task DemoFolderIsWrittenWithoutBeingAsked()
    {
        ProgramRun run = await ProgramRun.DotnetAsync(Moe, ["--size-mib", "8", "--no-forward", "--json"], _folder, Bound);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(_folder, "checkpoints", "qwen3-moe-demo", CheckpointFolder.IndexFileName)));
    }

    [Theory]
    [InlineData(CheckpointFolderState.HasCheckpointFiles, false, false)]
    [InlineData(CheckpointFolderState.HasCheckpointFiles, true, false)]
    [InlineData(CheckpointFolderState.NoCheckpointFiles, true, true)]
    [InlineData(CheckpointFolderState.Missing, true, true)]
    public void RandomCheckpointIsWrittenOnlyIntoAFolderWithoutOneWhenAllowed(CheckpointFolderState state, bool allowed, bool writes) =>
        Assert.Equal(writes, CheckpointPreparation.WritesRandom(new CheckpointFolder(_folder), state, allowed));

    [Fact]
    public void MissingOrForeignFolderWithoutPermissionIsAnError()
    {
        var folder = new CheckpointFolder(_folder);
        Assert.Throws<DirectoryNotFoundException>(() => CheckpointPreparation.WritesRandom(folder, CheckpointFolderState.Missing, writingAllowed: false));
        Assert.Throws<FileNotFoundException>(() => CheckpointPreparation.WritesRandom(folder, CheckpointFolderState.NoCheckpointFiles, writingAllowed: false));
    }

    [Fact]
    public void InspectTellsTheStatesApart()
    {
        Assert.Equal(CheckpointFolderState.Missing, new CheckpointFolder(Path.Combine(_folder, "none")).Inspect());
        Assert.Equal(CheckpointFolderState.NoCheckpointFiles, new CheckpointFolder(_folder).Inspect());
        File.WriteAllText(Path.Combine(_folder, CheckpointFolder.IndexFileName), "{}");
        Assert.Equal(CheckpointFolderState.HasCheckpointFiles, new CheckpointFolder(_folder).Inspect());

        var error = Assert.Throws<IOException>(() => new CheckpointFolder(Path.Combine(_folder, CheckpointFolder.IndexFileName)).Inspect());
        Assert.Contains("is a file, not a folder", error.Message, StringComparison.Ordinal);
    }
}
