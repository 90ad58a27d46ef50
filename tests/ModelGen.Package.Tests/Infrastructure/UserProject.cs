namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>
/// A fresh project in a temporary folder that uses ModelGen the way the getting-started guide says: a
/// PackageReference to ModelGen and to a libtorch backend, a [ShardedModel], a ModelGenCheckpoint item.
/// </summary>
internal sealed class UserProject : IDisposable
{
    public const string ProjectName = "TinyApp";
    public const string LibtorchVersion = "2.10.0";
    private const string PublicFeed = "https://api.nuget.org/v3/index.json";

    private readonly PackedModelGen _package;

    public UserProject(PackedModelGen package)
    {
        _package = package;
        Directory = System.IO.Directory.CreateTempSubdirectory("modelgen-user-").FullName;
        // Empty Directory.Build files end MSBuild's upward search: nothing above the temp folder leaks in.
        File.WriteAllText(PathOf("Directory.Build.props"), "<Project />\n");
        File.WriteAllText(PathOf("Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(PathOf("nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{package.FeedDirectory}" />
                <add key="nuget.org" value="{PublicFeed}" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
    }

    public string Directory { get; }

    /// <summary>Where <c>dotnet build</c> (Debug) puts the program.</summary>
    public string ProgramPath => PathOf("bin", "Debug", "net10.0", ProjectName + ".dll");

    /// <summary>Where the build writes the manifest of a .safetensors checkpoint named <paramref name="fileName"/>.</summary>
    public string BuildManifestPath(string fileName) => PathOf("obj", "Debug", "net10.0", "modelgen", fileName + ".manifest");

    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    /// <summary>Writes the project file, declaring <paramref name="checkpoint"/> as the checkpoint of <paramref name="model"/>.</summary>
    public void WriteProjectFile(string checkpoint, string model) =>
        WriteProjectFileWithItems($"""<ModelGenCheckpoint Include="{checkpoint}" Model="{model}" />""");

    /// <summary>Writes the project file with <paramref name="checkpointItems"/> (ModelGenCheckpoint elements) as its checkpoints.</summary>
    public void WriteProjectFileWithItems(params string[] checkpointItems) =>
        File.WriteAllText(PathOf(ProjectName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelGen" Version="{_package.Version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="{LibtorchVersion}" />
              </ItemGroup>
              <ItemGroup>
                {string.Join("\n    ", checkpointItems)}
              </ItemGroup>
            </Project>
            """);

    /// <summary>The compiler-visible metadata of every file, as the build wrote it for the compiler (Debug).</summary>
    public GeneratedEditorConfig GeneratedEditorConfig() =>
        Infrastructure.GeneratedEditorConfig.Read(PathOf("obj", "Debug", "net10.0", ProjectName + ".GeneratedMSBuildEditorConfig.editorconfig"));

    /// <summary>Writes <paramref name="text"/> to the file at <paramref name="parts"/>, creating its folder.</summary>
    public void WriteFile(string text, params string[] parts)
    {
        string path = PathOf(parts);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void WriteSource(string fileName, string text) => File.WriteAllText(PathOf(fileName), text);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
