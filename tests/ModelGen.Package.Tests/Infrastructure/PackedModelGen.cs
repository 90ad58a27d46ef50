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
        _globalPackagesVersionFolder = Path.Combine(GlobalPackagesFolder(), "modelgen", Version);

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
        if (Directory.Exists(_globalPackagesVersionFolder)) Directory.Delete(_globalPackagesVersionFolder, recursive: true);
        // The id folder goes too when no other version (a real install, a concurrent run) lives in it.
        string idFolder = Path.GetDirectoryName(_globalPackagesVersionFolder)!;
        if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any())
        {
            try { Directory.Delete(idFolder); }
            catch (IOException) { /* another run just restored a version into it */ }
        }
    }

    /// <summary>The folder restore extracts packages to, as NuGet itself reports it.</summary>
    private static string GlobalPackagesFolder()
    {
        ProcessResult locals = ChildProcess.Dotnet(Path.GetTempPath(), TimeSpan.FromMinutes(1), "nuget", "locals", "global-packages", "--list");
        const string Prefix = "global-packages:";
        string? line = locals.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        if (locals.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"cannot find the global packages folder:\n{locals.Output}");
        return line[Prefix.Length..].Trim();
    }
}

/// <summary>Tests that share one packed package; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackedModelGenCollection : ICollectionFixture<PackedModelGen>
{
    public const string Name = "packed ModelGen";
}
