using System.Runtime.CompilerServices;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>Locations in the repository, found from this source file's path.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Directory.GetParent(ThisFile())!.Parent!.Parent!.Parent!.FullName;

    public static string RuntimeProject { get; } = Path.Combine(Root, "runtime", "ModelGen", "ModelGen.csproj");

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
