using System.IO.Compression;
using System.Xml.Linq;
using ModelGen.Package.Tests.Infrastructure;

namespace ModelGen.Package.Tests;

/// <summary>What <c>dotnet pack runtime/ModelGen</c> puts in the package and what it declares.</summary>
[Collection(PackedModelGenCollection.Name)]
public sealed class PackageLayoutTests(PackedModelGen package)
{
    private string[] Entries()
    {
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    private XElement Entry(string name)
    {
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        using Stream stream = zip.GetEntry(name)!.Open();
        return XDocument.Load(stream).Root!;
    }

    /// <summary>The TorchSharp version the repository builds against (central package versions).</summary>
    private static string RepositoryTorchSharpVersion() =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "TorchSharp").Attribute("Version")!.Value;

    [Fact]
    public void The_library_is_the_only_compile_reference()
    {
        string[] lib = Entries().Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["lib/net10.0/ModelGen.dll", "lib/net10.0/ModelGen.xml"], lib);
    }

    [Fact]
    public void The_generator_ships_as_a_csharp_analyzer()
    {
        string[] analyzers = Entries().Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).ToArray();

        Assert.Equal(["analyzers/dotnet/cs/ModelGen.Generator.dll"], analyzers);
    }

    [Fact]
    public void The_build_assets_are_transitive_and_named_after_the_package()
    {
        string[] assets = Entries().Where(e => e.StartsWith("buildTransitive/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(
            [
                "buildTransitive/ModelGen.Checkpoints.targets",
                "buildTransitive/ModelGen.NativeFixup.targets",
                "buildTransitive/ModelGen.props",
                "buildTransitive/ModelGen.targets",
                "buildTransitive/" + BuildTasksPath,
            ],
            assets);
        Assert.DoesNotContain(Entries(), e => e.StartsWith("build/", StringComparison.Ordinal));
    }

    /// <summary>Where the prebuilt build tasks sit, relative to the targets that load them.</summary>
    private const string BuildTasksPath = "tasks/netstandard2.0/ModelGen.Build.Tasks.dll";

    [Theory]
    [InlineData("ModelGen.Checkpoints.targets", new[] { "ModelGen.Build.Tasks.ModelGenResolveCheckpointConfigs", "ModelGen.Build.Tasks.ModelGenWriteCheckpointManifests" })]
    [InlineData("ModelGen.NativeFixup.targets", new[] { "ModelGen.Build.Tasks.ModelGenWeakenElfVersionNeeds" })]
    public void The_targets_load_their_tasks_from_the_prebuilt_assembly_beside_them(string targetsFile, string[] taskNames)
    {
        XElement targets = Entry("buildTransitive/" + targetsFile);
        XNamespace ns = targets.Name.Namespace;
        XElement[] usingTasks = targets.Elements(ns + "UsingTask").ToArray();

        Assert.Equal(taskNames, usingTasks.Select(u => (string)u.Attribute("TaskName")!).Order(StringComparer.Ordinal));
        foreach (XElement usingTask in usingTasks)
        {
            // An assembly, not a task factory compiling inline source on every build.
            Assert.Equal("$(ModelGenBuildTasksAssembly)", (string?)usingTask.Attribute("AssemblyFile"));
            Assert.Null(usingTask.Attribute("TaskFactory"));
            Assert.Empty(usingTask.Elements());
        }
        XElement assembly = Assert.Single(targets.Descendants(ns + "ModelGenBuildTasksAssembly"));
        Assert.Equal("$(MSBuildThisFileDirectory)" + BuildTasksPath, assembly.Value);
        Assert.Equal("'$(ModelGenBuildTasksAssembly)' == ''", (string?)assembly.Attribute("Condition"));
    }

    [Fact]
    public void The_build_tasks_are_a_netstandard_assembly_defining_the_tasks_and_bringing_no_msbuild_copy()
    {
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        using var image = new MemoryStream();
        using (Stream stream = zip.GetEntry("buildTransitive/" + BuildTasksPath)!.Open()) stream.CopyTo(image);
        image.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(image);
        System.Reflection.Metadata.MetadataReader metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);

        string[] types = metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Select(t => metadata.GetString(t.Namespace) + "." + metadata.GetString(t.Name)).ToArray();
        Assert.Contains("ModelGen.Build.Tasks.ModelGenWriteCheckpointManifests", types);
        Assert.Contains("ModelGen.Build.Tasks.ModelGenResolveCheckpointConfigs", types);
        Assert.Contains("ModelGen.Build.Tasks.ModelGenWeakenElfVersionNeeds", types);
        string[] references = metadata.AssemblyReferences.Select(r => metadata.GetString(metadata.GetAssemblyReference(r).Name)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["Microsoft.Build.Framework", "Microsoft.Build.Utilities.Core", "netstandard"], references);
        // MSBuild supplies its own assemblies: the package carries none.
        Assert.DoesNotContain(Entries(), e => e.Contains("Microsoft.Build", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_entry_targets_import_the_native_fixup_and_the_checkpoint_targets()
    {
        XElement targets = Entry("buildTransitive/ModelGen.targets");

        string[] imports = targets.Descendants(targets.Name.Namespace + "Import").Select(i => (string)i.Attribute("Project")!).ToArray();

        Assert.Equal(
            ["$(MSBuildThisFileDirectory)ModelGen.NativeFixup.targets", "$(MSBuildThisFileDirectory)ModelGen.Checkpoints.targets"],
            imports);
    }

    [Fact]
    public void The_package_has_the_requested_version_and_depends_on_TorchSharp_only()
    {
        XElement nuspec = Entry("ModelGen.nuspec");
        XNamespace ns = nuspec.Name.Namespace;
        XElement metadata = nuspec.Element(ns + "metadata")!;

        Assert.Equal("ModelGen", (string)metadata.Element(ns + "id")!);
        Assert.Equal(package.Version, (string)metadata.Element(ns + "version")!);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => ((string)d.Attribute("id")!, (string)d.Attribute("version")!)).ToArray();
        Assert.Equal([("TorchSharp", RepositoryTorchSharpVersion())], dependencies);
    }
}
