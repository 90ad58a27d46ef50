using System.Security.Cryptography;
using System.Text;
using ModelGen.Distributed;
using ModelGen.SafeTensors;

namespace ModelGen.Loading;

/// <summary>
/// The per-node reader's check (<see cref="LoadOptions.ReadOnEveryNode"/>): rank 0 describes every file of the
/// checkpoint it validated (its path relative to the checkpoint's folder, its length, a digest of its length prefix
/// and header), and every other node's leader opens its own copy, at the path it was given, and compares. Any difference, or a copy that does not open, is one error on every rank
/// naming the node, the rank and the file.
/// </summary>
internal static class NodeCheckpointCopies
{
    /// <summary>
    /// Called on every rank after rank 0 opened <paramref name="rootCheckpoint"/>; returns this rank's own open copy
    /// when it is a leader other than rank 0, <see langword="null"/> elsewhere.
    /// </summary>
    /// <exception cref="DistributedLoadException">Some leader's copy differs from rank 0's or does not open (on every rank).</exception>
    public static SafeTensorsCheckpoint? OpenOnLeaders(NodeGroups nodes, string checkpointPath, SafeTensorsCheckpoint? rootCheckpoint)
    {
        IProcessGroup job = nodes.Job;
        byte[] described = [];
        job.ThrowIfAnyRankFailed(job.Rank == 0 ? LocalFailure.Of(() => described = Encoding.UTF8.GetBytes(Describe(rootCheckpoint!, checkpointPath))) : null);
        string rootFiles = Encoding.UTF8.GetString(job.BroadcastMessage(described));

        SafeTensorsCheckpoint? own = null;
        Exception? failure = null;
        if (nodes.IsLeader && job.Rank != 0)
            failure = OpenAndCompare(nodes, checkpointPath, rootFiles, out own);
        try
        {
            job.ThrowIfAnyRankFailed(failure);
        }
        catch
        {
            own?.Dispose();
            throw;
        }
        return own;
    }

    private static Exception? OpenAndCompare(NodeGroups nodes, string checkpointPath, string rootFiles, out SafeTensorsCheckpoint? own)
    {
        string where = $"node {nodes.NodeId} (rank {nodes.Job.Rank})";
        own = null;
        SafeTensorsCheckpoint opened;
        try
        {
            opened = SafeTensorsCheckpoint.Open(checkpointPath);
        }
#pragma warning disable CA1031 // The failure is the result: the agreement carries it to every rank.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // No inner exception: a rebuilt checkpoint error would lose which node's copy it was.
            return new IOException($"{where} cannot open its own copy of the checkpoint '{checkpointPath}': {e.Message}");
        }

        string? difference = null;
        if (LocalFailure.Of(() => difference = Difference(where, rootFiles, Describe(opened, checkpointPath))) is { } unreadable)
            difference = $"{where} cannot read the headers of its own copy of the checkpoint '{checkpointPath}': {unreadable.Message}";
        if (difference is not null)
        {
            opened.Dispose();
            return new IOException(difference);
        }
        own = opened;
        return null;
    }

    /// <summary>One line per file: path relative to the checkpoint's folder, length, SHA-256 of the length prefix and header bytes.</summary>
    internal static string Describe(SafeTensorsCheckpoint checkpoint, string checkpointPath)
    {
        string folder = Directory.Exists(checkpointPath) ? checkpointPath : Path.GetDirectoryName(Path.GetFullPath(checkpointPath)) ?? ".";
        return string.Join('\n', checkpoint.Files.Select(file =>
            $"{Path.GetRelativePath(folder, file.FilePath)}\t{file.Header.FileLength}\t{HeaderDigest(file.FilePath, file.Header.DataStart)}"));
    }

    /// <summary>What differs between rank 0's files and this leader's, or <see langword="null"/> when nothing does.</summary>
    internal static string? Difference(string where, string rootFiles, string ownFiles)
    {
        var root = Parse(rootFiles);
        var mine = Parse(ownFiles);
        foreach ((string path, (string length, string digest)) in root)
        {
            if (!mine.TryGetValue(path, out var own))
                return $"{where}: its copy of the checkpoint has no file '{path}', which rank 0's has.";
            if (own.Length != length)
                return $"{where}: its copy of '{path}' is {own.Length} bytes long; rank 0's is {length} bytes.";
            if (own.Digest != digest)
                return $"{where}: its copy of '{path}' has a different header than rank 0's (same length, {length} bytes).";
        }
        string? extra = mine.Keys.FirstOrDefault(path => !root.ContainsKey(path));
        return extra is null ? null : $"{where}: its copy of the checkpoint has a file '{extra}' that rank 0's has not.";
    }

    private static Dictionary<string, (string Length, string Digest)> Parse(string files) =>
        files.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(parts => parts[0], parts => (parts[1], parts[2]), StringComparer.Ordinal);

    private static string HeaderDigest(string path, long headerBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[checked((int)headerBytes)];
        file.ReadExactly(header);
        return Convert.ToHexString(SHA256.HashData(header));
    }
}
