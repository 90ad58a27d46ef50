using System.Diagnostics;
using System.Text.RegularExpressions;
using ModelGen.Generator.Tests.Infrastructure;

namespace ModelGen.Generator.Tests.EndToEnd;

/// <summary>
/// <c>dotnet build</c> of a small project that uses ModelGen as a user would: an analyzer reference to the generator,
/// the checkpoint build assets, and a ModelGenCheckpoint item pointing at a .safetensors file. Two builds: the
/// diagnostics dotnet build prints (with .editorconfig severity and #pragma), then strict mode.
/// </summary>
public sealed class DotnetBuildTests : IDisposable
{
    private const string Model = """
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo;

        [ShardedModel]
        public partial class M : nn.Module<Tensor, Tensor>
        {
            private Linear proj = nn.Linear(2, 2);
        #pragma warning disable MG0004
            private Embedding quiet = nn.Embedding(3, 2);
        #pragma warning restore MG0004
            private Linear head = nn.Linear(2, 2);

            public M() : base("M") => RegisterComponents();

            public override Tensor forward(Tensor x) => head.forward(proj.forward(x));
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void WriteProject()
    {
        string targets = Path.Combine(TestPaths.RepositoryRoot, "runtime", "ModelGen", "buildTransitive", "ModelGen.Checkpoints.targets");
        // The targets' tasks as this repository builds them, in this test run's configuration (bin/<configuration>/net10.0).
        string configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
        string tasks = Path.Combine(TestPaths.RepositoryRoot, "runtime", "ModelGen.Build.Tasks", "bin", configuration, "netstandard2.0", "ModelGen.Build.Tasks.dll");
        File.WriteAllText(Path.Combine(_directory, "User.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <NoWarn>$(NoWarn);CS1701;CS1702</NoWarn>
                <ModelGenBuildTasksAssembly>{tasks}</ModelGenBuildTasksAssembly>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="TorchSharp" HintPath="{typeof(TorchSharp.torch).Assembly.Location}" />
                <Reference Include="ModelGen" HintPath="{typeof(ModelGen.ShardedModelAttribute).Assembly.Location}" />
                <Analyzer Include="{typeof(ShardedModelGenerator).Assembly.Location}" />
                <ModelGenCheckpoint Include="weights/model.safetensors" Model="Demo.M" />
              </ItemGroup>
              <Import Project="{targets}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(_directory, "Models.cs"), Model);
        File.WriteAllText(Path.Combine(_directory, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.MG0007.severity = error\n");
        Directory.CreateDirectory(Path.Combine(_directory, "weights"));
        SafetensorsFile.Write(Path.Combine(_directory, "weights", "model.safetensors"),
            ("head.weight", "F32", [2, 2], 4),
            ("prjo.weight", "F32", [2, 2], 4),
            ("proj.bias", "F32", [2], 4),
            ("proj.weight", "F32", [2, 2], 4),
            ("quiet.weight", "F32", [3, 2], 4));
    }

    private (int Code, string Output) Build(params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in (string[])["build", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary", .. extra])
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [Fact]
    public void Dotnet_build_prints_the_mapping_diagnostics_and_strict_turns_them_into_errors()
    {
        WriteProject();

        // The default key policy refuses: both mismatches are errors, as the load would refuse them.
        var (code, output) = Build();

        Assert.True(output.Contains("Models.cs(15,20): error MG0007: 'head.bias' (parameter) is not in the checkpoint; the load refuses it (MissingKeys is Refuse)", StringComparison.Ordinal), output);
        string manifest = Path.Combine("obj", "Debug", "net10.0", "modelgen", "model.safetensors.manifest");
        // prjo.weight is a typo in the checkpoint: MG0006 at its line in the manifest written from the header, with no
        // suggestion of proj.weight, which the checkpoint already provides.
        Assert.True(Regex.IsMatch(output, @"modelgen[/\\]model\.safetensors\.manifest\(3,1\): error MG0006: Checkpoint key 'prjo\.weight' is not taken by any parameter or buffer of 'Demo\.M'; the load refuses it \(UnexpectedKeys is Refuse\) \(https://github\.com/modelgen/modelgen/blob/main/docs/diagnostics\.md#mg0006\)"), output);
        Assert.Equal("prjo.weight F32 [2,2]", File.ReadAllLines(Path.Combine(_directory, manifest))[2]);
        // The native Embedding is reported nowhere: #pragma silenced it.
        Assert.DoesNotContain("MG0004", output);
        Assert.NotEqual(0, code);

        // The project's MSBuild properties relax the policy: warnings, except where .editorconfig raises MG0007; and the
        // help links follow the project's template.
        var (relaxedCode, relaxed) = Build("-p:ModelGenMissingKeys=Initialize", "-p:ModelGenUnexpectedKeys=Ignore", "-p:ModelGenHelpLinkRoot=https://docs.example.org/mg/{id}.html");

        Assert.True(relaxed.Contains("Models.cs(15,20): error MG0007: 'head.bias' (parameter) is not in the checkpoint; it will be initialized with uniform(±1/sqrt(fan_in))", StringComparison.Ordinal), relaxed);
        Assert.True(Regex.IsMatch(relaxed, @"model\.safetensors\.manifest\(3,1\): warning MG0006: Checkpoint key 'prjo\.weight' .*; the load ignores it \(UnexpectedKeys is Ignore\) \(https://docs\.example\.org/mg/mg0006\.html\)"), relaxed);
        Assert.NotEqual(0, relaxedCode);

        var (strictCode, strictOutput) = Build("-p:ModelGenStrict=true", "-p:ModelGenMissingKeys=Initialize", "-p:ModelGenUnexpectedKeys=Ignore");

        Assert.NotEqual(0, strictCode);
        Assert.True(Regex.IsMatch(strictOutput, @"model\.safetensors\.manifest\(3,1\): error MG0006"), strictOutput);
    }
}
