namespace ModelGen.Package.Tests.Infrastructure;

/// <summary>
/// The machine's global packages folder, shared with every other build (TorchSharp and libtorch are large). Tests
/// restore ModelGen packages under versions no earlier run used and remove exactly those versions afterwards.
/// </summary>
internal static class NuGetCache
{
    private static readonly Lazy<string> GlobalPackages = new(FindGlobalPackagesFolder);

    /// <summary>Where restore extracts <paramref name="id"/> at <paramref name="version"/> (NuGet lower-cases both).</summary>
    public static string VersionFolder(string id, string version) =>
        Path.Combine(GlobalPackages.Value, id.ToLowerInvariant(), version.ToLowerInvariant());

    /// <summary>Deletes a version folder, and its id folder when no other version (a real install, a concurrent run) lives in it.</summary>
    public static void Remove(string versionFolder)
    {
        if (Directory.Exists(versionFolder)) Directory.Delete(versionFolder, recursive: true);
        string idFolder = Path.GetDirectoryName(versionFolder)!;
        if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any())
        {
            try { Directory.Delete(idFolder); }
            catch (IOException) { /* another run just restored a version into it */ }
        }
    }

    /// <summary>The folder restore extracts packages to, as NuGet itself reports it.</summary>
    private static string FindGlobalPackagesFolder()
    {
        ProcessResult locals = ChildProcess.Dotnet(Path.GetTempPath(), TimeSpan.FromMinutes(1), "nuget", "locals", "global-packages", "--list");
        const string Prefix = "global-packages:";
        string? line = locals.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        if (locals.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"cannot find the global packages folder:\n{locals.Output}");
        return line[Prefix.Length..].Trim();
    }
}
