using System.Security.Cryptography;

namespace ModelGen.Tests.SafeTensors;

/// <summary>
/// A folder laid out as the Hugging Face cache keeps a downloaded model: the bytes live in <c>blobs/&lt;sha256&gt;</c>
/// and <c>snapshots/&lt;revision&gt;/</c> holds one relative symbolic link per file, pointing at <c>../../blobs/...</c>.
/// </summary>
internal sealed class HubCacheFolder : IDisposable
{
    private readonly TempFolder _root = new();

    public HubCacheFolder(string revision = "0123456789abcdef0123456789abcdef01234567")
    {
        Blobs = _root.File("blobs");
        Snapshot = _root.File(Path.Combine("snapshots", revision));
        Directory.CreateDirectory(Blobs);
        Directory.CreateDirectory(Snapshot);
    }

    /// <summary>The cache's root (the <c>models--org--name</c> folder).</summary>
    public string Root => _root.Path;

    public string Blobs { get; }

    /// <summary>The snapshot folder, whose entries are all links.</summary>
    public string Snapshot { get; }

    /// <summary>Moves every file of <paramref name="writtenFolder"/> into the blobs and links it from the snapshot.</summary>
    public void Adopt(string writtenFolder)
    {
        foreach (string file in Directory.GetFiles(writtenFolder))
            Adopt(file, Path.GetFileName(file));
    }

    /// <summary>Moves <paramref name="file"/> into the blobs and links it from the snapshot as <paramref name="name"/>; returns the link.</summary>
    public string Adopt(string file, string name)
    {
        string blob = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        File.Move(file, Path.Combine(Blobs, blob), overwrite: true);
        string link = Path.Combine(Snapshot, name);
        File.CreateSymbolicLink(link, Path.Combine("..", "..", "blobs", blob));
        return link;
    }

    public void Dispose() => _root.Dispose();
}
