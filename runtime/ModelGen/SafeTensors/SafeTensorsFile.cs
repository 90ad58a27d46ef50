using Microsoft.Win32.SafeHandles;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>
/// One .safetensors file, opened read-only and validated once. Lists its entries in file-offset order and
/// reads any of them straight into a tensor's memory. Reads of different tensors may run concurrently.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    private SafeTensorsFile(SafeFileHandle handle, FileIdentity identity, string realPath, SafeTensorsHeader header, SafeTensorsReadOptions options)
    {
        _handle = handle;
        Identity = identity;
        RealPath = realPath;
        Header = header;
        Options = options;
        _byName = new Dictionary<string, SafeTensorsEntry>(header.Entries.Count, StringComparer.Ordinal);
        foreach (SafeTensorsEntry entry in header.Entries)
            _byName.Add(entry.Name, entry);
    }

    /// <summary>
    /// Opens and validates a file. Throws <see cref="SafeTensorsFormatException"/> when it breaks a format rule
    /// and <see cref="SafeTensorsIndexException"/> (<see cref="SafeTensorsRule.FileNotFound"/>,
    /// <see cref="SafeTensorsRule.FileUnreadable"/>) when it cannot be opened.
    /// </summary>
    public static SafeTensorsFile Open(string path, SafeTensorsReadOptions? options = null)
    {
        string fullPath = Path.GetFullPath(path);
        SafeFileHandle handle = OpenReadOnly(fullPath, SafeTensorsRule.FileNotFound);
        try
        {
            // Taken before the header is read, so that any later change, however early, shows against it.
            FileIdentity identity = IdentityOf(handle, fullPath);
            string realPath = (OperatingSystem.IsWindows() ? null : CheckpointPaths.RealPath(fullPath)) ?? fullPath;
            return new SafeTensorsFile(handle, identity, realPath, SafeTensorsHeader.Read(handle, fullPath), options ?? SafeTensorsReadOptions.Default);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a file for reading only; a missing file is reported with <paramref name="missingRule"/>. Anything but a
    /// regular file (after following links) is refused before it is opened: opening a named pipe blocks for ever.
    /// </summary>
    internal static SafeFileHandle OpenReadOnly(string fullPath, SafeTensorsRule missingRule)
    {
        RequireRegularFile(fullPath, missingRule);
        try
        {
            return File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SafeTensorsIndexException(missingRule, fullPath, null, "the file does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.FileUnreadable, fullPath, null, $"the file cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a path that names nothing (<paramref name="missingRule"/>) or something other than a regular file
    /// (<see cref="SafeTensorsRule.NotARegularFile"/>), without opening it.
    /// </summary>
    internal static void RequireRegularFile(string fullPath, SafeTensorsRule missingRule)
    {
        FileIdentity? status;
        try
        {
            status = FileStatus.OfPath(fullPath);
        }
        catch (IOException e)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.FileUnreadable, fullPath, null, e.Message, e);
        }
        // Pattern matching reads the value through GetValueOrDefault, which ReadyToRun code inlines; Nullable.Value over
        // a struct of this library is compiled in every fresh process.
        if (status is not { } found)
            throw new SafeTensorsIndexException(missingRule, fullPath, null, "the file does not exist.");
        if (found.Kind != FileKind.Regular)
            throw new SafeTensorsIndexException(SafeTensorsRule.NotARegularFile, fullPath, null, $"this is a {Describe(found.Kind)}, not a regular file; it was not opened.");
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "named pipe (FIFO)",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Directory => "directory",
        FileKind.Socket => "socket",
        _ => "special file",
    };

    private static FileIdentity IdentityOf(SafeFileHandle handle, string fullPath)
    {
        try
        {
            FileIdentity identity = FileStatus.OfHandle(handle, fullPath);
            // The path may have been swapped for something else between the check and the open.
            return identity.Kind == FileKind.Regular
                ? identity
                : throw new SafeTensorsIndexException(SafeTensorsRule.NotARegularFile, fullPath, null, $"this is a {Describe(identity.Kind)}, not a regular file.");
        }
        catch (IOException e)
        {
            throw new SafeTensorsIndexException(SafeTensorsRule.FileUnreadable, fullPath, null, e.Message, e);
        }
    }

    /// <summary>Full path of the file, as it was given (symbolic links not resolved).</summary>
    public string FilePath => Header.FilePath;

    /// <summary>The file's canonical path, symbolic links resolved: what a mapping maps.</summary>
    internal string RealPath { get; }

    /// <summary>The open file's identity when it was opened.</summary>
    internal FileIdentity Identity { get; }

    /// <summary>
    /// Throws when the file at <see cref="RealPath"/> is no longer the one that was opened: shorter than
    /// <paramref name="neededLength"/> (or than it was) is <see cref="SafeTensorsRule.UnexpectedEndOfFile"/>, any
    /// other change of size, modification time, inode or device is <see cref="SafeTensorsRule.FileChanged"/>.
    /// </summary>
    /// <param name="neededLength">The length the caller is about to rely on; the validated length by default.</param>
    /// <param name="key">The tensor concerned, for the message.</param>
    internal void ThrowIfChanged(long? neededLength = null, string? key = null)
    {
        FileIdentity? now;
        try
        {
            now = FileStatus.OfPath(RealPath);
        }
        catch (IOException e)
        {
            throw new SafeTensorsFormatException(SafeTensorsRule.FileChanged, FilePath, key, $"its status can no longer be read: {e.Message}", e);
        }
        if (now is not { } current)
            throw new SafeTensorsFormatException(SafeTensorsRule.FileChanged, FilePath, key, $"the file ({RealPath}) is gone since it was opened.");
        long needed = neededLength ?? Header.FileLength;
        if (current.Size < needed)
            throw new SafeTensorsFormatException(SafeTensorsRule.UnexpectedEndOfFile, FilePath, key,
                $"the file now has {current.Size} bytes, fewer than the {needed} it had when validated: it was cut short after it was opened.");
        if (current != Identity)
            throw new SafeTensorsFormatException(SafeTensorsRule.FileChanged, FilePath, key,
                $"the file changed since it was opened: it was a {Identity}, it is now a {current}.");
    }

    /// <summary>The validated header.</summary>
    public SafeTensorsHeader Header { get; }

    /// <summary>The entries in file-offset order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries => Header.Entries;

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>How reads are performed.</summary>
    public SafeTensorsReadOptions Options { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="key"/>.</summary>
    public bool Contains(string key) => _byName.ContainsKey(key);

    /// <summary>Looks an entry up by key.</summary>
    public bool TryGetEntry(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SafeTensorsEntry entry) =>
        _byName.TryGetValue(key, out entry);

    /// <summary>The entry named <paramref name="key"/>; <see cref="SafeTensorsRule.UnknownKey"/> when there is none.</summary>
    public SafeTensorsEntry GetEntry(string key) =>
        _byName.TryGetValue(key, out SafeTensorsEntry? entry)
            ? entry
            : throw new SafeTensorsReadException(SafeTensorsRule.UnknownKey, FilePath, key, "the file has no tensor with this key.");

    /// <summary>Reads the tensor named <paramref name="key"/> into <paramref name="destination"/>; see <see cref="ReadInto(SafeTensorsEntry, torch.Tensor)"/>.</summary>
    public void ReadInto(string key, torch.Tensor destination) => ReadInto(GetEntry(key), destination);

    /// <summary>
    /// Reads an entry of this file into <paramref name="destination"/>, which must be a contiguous CPU tensor of the
    /// entry's shape. Same dtype: the bytes go straight into the tensor's memory. Different dtype: converted
    /// through a bounded staging buffer. Throws <see cref="SafeTensorsReadException"/> for unsuitable
    /// destinations and dtypes TorchSharp cannot hold.
    /// </summary>
    public void ReadInto(SafeTensorsEntry entry, torch.Tensor destination)
    {
        CheckOwnEntry(entry);
        TensorReader.ReadInto(_handle, entry, destination, Options);
    }

    /// <summary>Allocates a CPU tensor of the entry's shape and dtype and reads the entry into it.</summary>
    public torch.Tensor Read(string key) => Read(GetEntry(key));

    /// <inheritdoc cref="Read(string)"/>
    public torch.Tensor Read(SafeTensorsEntry entry)
    {
        CheckOwnEntry(entry);
        if (!entry.DType.TryGetScalarType(out torch.ScalarType type))
            throw new SafeTensorsReadException(SafeTensorsRule.UnsupportedDType, entry.FilePath, entry.Name, $"dtype {entry.DType} has no TorchSharp element type; read its raw bytes instead.");
        torch.Tensor tensor = torch.empty(entry.GetShapeArray(), dtype: type, device: torch.CPU);
        try
        {
            TensorReader.ReadInto(_handle, entry, tensor, Options);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies raw bytes of an entry, starting <paramref name="offsetInTensor"/> bytes into it, filling
    /// <paramref name="destination"/>. Works for every dtype, including those TorchSharp cannot hold.
    /// </summary>
    public void ReadBytes(SafeTensorsEntry entry, long offsetInTensor, Span<byte> destination)
    {
        CheckOwnEntry(entry);
        if (offsetInTensor < 0 || offsetInTensor > entry.ByteLength || destination.Length > entry.ByteLength - offsetInTensor)
            throw new ArgumentOutOfRangeException(nameof(offsetInTensor), $"[{offsetInTensor}, +{destination.Length}) is outside tensor '{entry.Name}' of {entry.ByteLength} bytes.");
        FileReads.ReadExactly(_handle, destination, entry.FileOffset + offsetInTensor, FilePath, entry.Name);
    }

    private void CheckOwnEntry(SafeTensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_byName.TryGetValue(entry.Name, out SafeTensorsEntry? own) || !ReferenceEquals(own, entry))
            throw new ArgumentException($"Entry '{entry.Name}' of {entry.FilePath} does not belong to {FilePath}.", nameof(entry));
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
