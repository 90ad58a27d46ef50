using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>
/// A project that references the package and declares a checkpoint builds with the package's prebuilt task
/// assembly: no task source is compiled during the build, and the checkpoint manifest is still written.
/// </summary>
[Collection(PackedModelGenCollection.Name)]
public sealed class PrebuiltBuildTasksTests(PackedModelGen package) : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private readonly UserProject _project = new(package);

    public void Dispose() => _project.Dispose();

    [Fact]
    public void A_build_runs_the_packaged_task_assembly_and_writes_the_manifest_without_compiling_task_source()
    {
        Directory.CreateDirectory(_project.PathOf("weights"));
        SafetensorsF32File.Write(_project.PathOf("weights", "model.safetensors"),
            ("down_proj.weight", [2, 3], new float[6]),
            ("up_proj.weight", [3, 2], new float[6]));
        _project.WriteSource("Program.cs", "System.Console.WriteLine(\"built\");\n");
        _project.WriteProjectFile("weights/model.safetensors", "Demo.Absent");

        // Detailed verbosity: MSBuild names the assembly of every task it runs, and says when it compiles task source.
        ProcessResult build = ChildProcess.Build(_project.Directory, BuildTimeout, "-v:d");

        Assert.True(build.ExitCode == 0, build.Output);
        string tasks = Path.Combine(NuGetCache.VersionFolder("ModelGen", package.Version), "buildTransitive", "tasks", "netstandard2.0", "ModelGen.Build.Tasks.dll");
        foreach (string task in (string[])["ModelGenWriteCheckpointManifests", "ModelGenResolveCheckpointConfigs", "ModelGenWeakenElfVersionNeeds"])
            Assert.Contains($"Using \"{task}\" task from assembly \"{tasks}\".", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Compiling task source code", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("RoslynCodeTaskFactory", build.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["# ModelGen checkpoint manifest of model.safetensors: key dtype shape", "down_proj.weight F32 [2,3]", "up_proj.weight F32 [3,2]"],
            File.ReadAllLines(_project.BuildManifestPath("model.safetensors")));
    }
}
