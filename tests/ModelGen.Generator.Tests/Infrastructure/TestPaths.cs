using System.Runtime.CompilerServices;

namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>Locations inside the test project's source folder (baselines, model sources), found from this file's path.</summary>
internal static class TestPaths
{
    public static string ProjectDirectory { get; } = Directory.GetParent(ThisFile())!.Parent!.FullName;

    public static string RepositoryRoot { get; } = Directory.GetParent(ProjectDirectory)!.Parent!.FullName;

    public static string InProject(params string[] parts) => Path.Combine([ProjectDirectory, .. parts]);

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
