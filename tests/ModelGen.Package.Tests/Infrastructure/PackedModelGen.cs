using System.Globalization;

namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>
/// The ModelGen package packed once per test run into a temporary folder feed, under a prerelease version no earlier
/// run used, so NuGet never reuses a stale copy. The machine's global packages folder is shared (TorchSharp and
/// libtorch are large); only this run's ModelGen version is removed from it afterwards.
/// </summary>
public sealed class PackedModelGen : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(3);

    private readonly string _globalPackagesVersionFolder;

    public PackedModelGen()
    {
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        FeedDirectory = Directory.CreateTempSubdirectory("modelgen-feed-").FullName;
        _globalPackagesVersionFolder = NuGetCache.VersionFolder("ModelGen", Version);

        ProcessResult pack = ChildProcess.Dotnet(RepositoryRoot, PackTimeout,
            "pack", RepositoryPaths.RuntimeProject, "-c", "Release", "-o", FeedDirectory, $"-p:Version={Version}",
            "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary");
        PackOutput = pack.Output;
        PackagePath = Path.Combine(FeedDirectory, $"ModelGen.{Version}.nupkg");
        if (pack.ExitCode != 0 || !File.Exists(PackagePath))
            throw new InvalidOperationException($"dotnet pack failed (exit {pack.ExitCode}):\n{pack.Output}");
    }

    /// <summary>The unique version of this run's package.</summary>
    public string Version { get; }

    /// <summary>A folder feed holding only this run's package.</summary>
    public string FeedDirectory { get; }

    /// <summary>The .nupkg file.</summary>
    public string PackagePath { get; }

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; }

    private static string RepositoryRoot => RepositoryPaths.Root;

    public void Dispose()
    {
        Directory.Delete(FeedDirectory, recursive: true);
        NuGetCache.Remove(_globalPackagesVersionFolder);
    }
}

/// <summary>Tests that share one packed package; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackedModelGenCollection : ICollectionFixture<PackedModelGen>
{
    public const string Name = "packed ModelGen";
}
