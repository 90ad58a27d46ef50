using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>The reader of the guide the guide test runs: every block becomes a step, or the guide is refused.</summary>
public sealed class MarkdownGuideTests
{
    private const string Fence = "```";

    [Fact]
    public void Blocks_become_steps_with_their_section_file_and_output()
    {
        string guide = $"""
            # Title

            ## 1. One

            Write it, in
            `Program.cs`:

            {Fence}csharp
            Console.WriteLine("hi");
            {Fence}

            {Fence}sh
            dotnet run
            {Fence}

            {Fence}text
            hi
            {Fence}

            ## 2. Two

            Had it been wrong:

            {Fence}
            .../x.cs(1,1): warning MG0006: ...
            {Fence}
            """;

        IReadOnlyList<GuideStep> steps = MarkdownGuide.Steps(guide);

        Assert.Collection(steps,
            s => Assert.Equal(("1. One", "Program.cs", "Console.WriteLine(\"hi\");\n"), (s.Section, ((FileStep)s).FileName, ((FileStep)s).Text)),
            s => Assert.Equal("dotnet run\n", Assert.IsType<ShellStep>(s).Script),
            s => Assert.Equal(["hi"], Assert.IsType<OutputStep>(s).Lines),
            s => Assert.Equal("2. Two", Assert.IsType<IllustrationStep>(s).Section));
    }

    [Theory]
    [InlineData("json", "Some text:")] // a language no step runs
    [InlineData("xml", "A sentence that names no file:")]
    [InlineData("csharp", "In `Program.cs`, but not a lead-in.")]
    [InlineData("text", "Output nobody printed:")]
    public void A_block_no_step_covers_is_refused(string language, string paragraph)
    {
        string guide = $"## Step\n\n{paragraph}\n\n{Fence}{language}\nx\n{Fence}\n";

        Assert.Throws<FormatException>(() => MarkdownGuide.Steps(guide));
    }

    [Fact]
    public void A_text_block_after_prose_is_not_the_output_of_the_command_before_it()
    {
        string guide = $"## Step\n\n{Fence}sh\ndotnet build\n{Fence}\n\nThen:\n\n{Fence}text\nok\n{Fence}\n";

        Assert.Throws<FormatException>(() => MarkdownGuide.Steps(guide));
    }
}
