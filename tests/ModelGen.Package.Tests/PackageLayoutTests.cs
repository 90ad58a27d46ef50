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
                "buildTransitive/ModelGen.Checkpoints.Manifests.cs",
                "buildTransitive/ModelGen.Checkpoints.targets",
                "buildTransitive/ModelGen.NativeFixup.targets",
                "buildTransitive/ModelGen.props",
                "buildTransitive/ModelGen.targets",
                "buildTransitive/WeakenElfVersionNeeds.cs",
            ],
            assets);
        Assert.DoesNotContain(Entries(), e => e.StartsWith("build/", StringComparison.Ordinal));
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
