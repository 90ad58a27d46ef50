namespace ModelGen.Cli.Tests;

public sealed class UsageTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("inspect", "--help")]
    [InlineData("manifest", "--help")]
    [InlineData("verify", "--help")]
    [InlineData("check", "-h")]
    public void Every_command_has_help_that_exits_zero(params string[] args)
    {
        CliRun run = CliRun.Of(args);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void Root_help_lists_every_command()
    {
        string help = CliRun.Of("--help").Stdout;

        foreach (string command in new[] { "inspect", "manifest", "verify", "check" })
            Assert.Contains("  " + command, help);
    }

    [Fact]
    public void Help_names_the_tool_command_not_the_assembly()
    {
        Assert.Contains("  modelgen inspect <PATH> [options]", CliRun.Of("inspect", "--help").Stdout);
        Assert.Contains("  modelgen check <PATH> [options]", CliRun.Of("check", "--help").Stdout);
    }

    [Fact]
    public void Version_exits_zero()
    {
        CliRun run = CliRun.Of("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout);
    }

    [Fact]
    public void Bare_modelgen_prints_the_same_help_as_help_and_exits_zero()
    {
        CliRun bare = CliRun.Of();
        CliRun help = CliRun.Of("--help");

        Assert.Equal(0, bare.ExitCode);
        Assert.Equal("", bare.Stderr);
        Assert.Contains("Usage:", bare.Stdout);
        Assert.Equal(help.Stdout, bare.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("inspect")]
    [InlineData("inspect", "a", "b")]
    [InlineData("inspect", "a", "--bogus")]
    [InlineData("check", "model.safetensors")]
    [InlineData("manifest", "a", "-o")]
    public void Syntax_errors_exit_two_with_the_reason_on_stderr(params string[] args)
    {
        CliRun run = CliRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("modelgen: error: ", run.Stderr);
        Assert.Contains("--help", run.Stderr);
    }

    [Fact]
    public void Missing_required_option_is_named()
    {
        CliRun run = CliRun.Of("check", "model.safetensors");

        Assert.Contains("--assembly", run.Stderr);
    }
}
