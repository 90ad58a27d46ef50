namespace ModelGen.Examples.Tests.Infrastructure;

/// <summary>Paths of the repository these tests were built from.</summary>
public static class Repository
{
    private static readonly DirectoryInfo TestBin = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The repository root (tests/ModelGen.Examples.Tests/bin/{configuration}/{framework} is five levels down).</summary>
    public static string Root { get; } = TestBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>The example's own build output, in the configuration these tests were built in.</summary>
    public static string ExampleDll(string example) =>
        Path.Combine(Root, "examples", example, "bin", TestBin.Parent!.Name, TestBin.Name, example + ".dll");
}
