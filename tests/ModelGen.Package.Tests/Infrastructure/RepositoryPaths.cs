using System.Runtime.CompilerServices;
using System.Xml.Linq;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>Locations in the repository, found from this source file's path.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Directory.GetParent(ThisFile())!.Parent!.Parent!.Parent!.FullName;

    public static string RuntimeProject { get; } = Path.Combine(Root, "runtime", "ModelGen", "ModelGen.csproj");

    public static string ToolProject { get; } = Path.Combine(Root, "tools", "ModelGen.Cli", "ModelGen.Cli.csproj");

    /// <summary>The version both packages carry unless overridden: <c>ModelGenVersion</c> in Directory.Build.props.</summary>
    public static string ModelGenVersion { get; } =
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("ModelGenVersion").Single().Value.Trim();

    /// <summary>The text of docs/<paramref name="name"/>.</summary>
    public static string Doc(string name) => File.ReadAllText(Path.Combine(Root, "docs", name));

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
