using ModelGen.Native;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>
/// Hands out tensors that share pages with their checkpoint file instead of copies of its bytes: no fresh memory
/// and no copy, the page cache is the storage. The mapping is private (copy-on-write): writing to such a tensor copies
/// only the page written, and never changes the file. Each file is mapped once per element type (torch's
/// <c>from_file</c>); the tensors are views of that mapping, which lives as long as any of them does.
/// </summary>
/// <remarks>
/// The file must not be cut short or rewritten in place while the tensors live: pages not yet written would show
/// the new bytes, and pages past a new end fault (SIGBUS). Writers that replace a file by renaming a new one over
/// it, as <see cref="SafeTensorsWriter"/> does, are safe: the mapping keeps the old file's pages.
/// </remarks>
internal sealed class CheckpointMapping : IDisposable
{
    // By real path, then one mapping per element type: a dictionary keyed by a (path, dtype) tuple is compiled in
    // every fresh process, a dictionary of strings to lists is shared precompiled code.
    private readonly Dictionary<string, List<torch.Tensor>> _files = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="entry"/> can be mapped as a tensor of <paramref name="dtype"/>: same element type, aligned offset.</summary>
    public static bool CanMap(SafeTensorsEntry entry, torch.ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.ElementCount > 0
            && entry.DType.TryGetScalarType(out torch.ScalarType fileType)
            && fileType == dtype
            && entry.FileOffset % ElementSize(entry) == 0;
    }

    /// <summary>
    /// A tensor over the bytes of <paramref name="entry"/> in <paramref name="file"/>, resident when returned. The
    /// file's real path (symbolic links resolved) is mapped, sized by the length it was validated at, and only after
    /// checking that it is still that file and still holds the entry.
    /// </summary>
    /// <exception cref="ArgumentException">The entry cannot be mapped (see <see cref="CanMap"/>).</exception>
    /// <exception cref="SafeTensorsFormatException">The file was cut short (<see cref="SafeTensorsRule.UnexpectedEndOfFile"/>) or changed (<see cref="SafeTensorsRule.FileChanged"/>) since it was opened.</exception>
    /// <exception cref="IOException">The file could not be mapped or its pages read.</exception>
    public torch.Tensor Map(SafeTensorsFile file, SafeTensorsEntry entry)
    {
        torch.Tensor view = MapUnpopulated(file, entry);
        try
        {
            PageResidency.Populate(TensorMemory.DataPointer(view), entry.ByteLength);
            return view;
        }
        catch (IOException e)
        {
            view.Dispose();
            throw new IOException($"{entry.FilePath}: mapping '{entry.Name}': {e.Message}", e);
        }
    }

    /// <summary>
    /// <see cref="Map"/> without reading the pages: the caller makes the ranges it hands out resident
    /// (<see cref="PageResidency.Populate"/>) and may drop ranges it no longer needs (<see cref="PageResidency.Release"/>),
    /// so that only part of a large tensor is ever resident at once.
    /// </summary>
    /// <exception cref="ArgumentException">The entry cannot be mapped (see <see cref="CanMap"/>).</exception>
    /// <exception cref="SafeTensorsFormatException">The file was cut short or changed since it was opened.</exception>
    /// <exception cref="IOException">The file could not be mapped.</exception>
    public torch.Tensor MapUnpopulated(SafeTensorsFile file, SafeTensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(entry);
        if (!entry.DType.TryGetScalarType(out torch.ScalarType dtype) || !CanMap(entry, dtype))
            throw new ArgumentException($"'{entry.Name}' in {entry.FilePath} cannot be mapped ({entry.DType} at byte {entry.FileOffset}).", nameof(entry));
        if (!file.TryGetEntry(entry.Name, out SafeTensorsEntry? own) || !ReferenceEquals(own, entry))
            throw new ArgumentException($"Entry '{entry.Name}' of {entry.FilePath} does not belong to {file.FilePath}.", nameof(entry));

        // Mapping past the end of a file that got shorter would fault (SIGBUS) on first touch: refuse it here.
        file.ThrowIfChanged(entry.FileOffset + entry.ByteLength, entry.Name);
        long elementSize = ElementSize(entry);
        torch.Tensor whole = FileTensor(file, dtype, elementSize);
        using torch.Tensor flat = whole.narrow(0, entry.FileOffset / elementSize, entry.ElementCount);
        return flat.view(entry.GetShapeArray());
    }

    /// <summary>Releases this object's handles; the mapping itself ends with the last tensor handed out.</summary>
    public void Dispose()
    {
        foreach (List<torch.Tensor> ofFile in _files.Values)
        {
            foreach (torch.Tensor mapping in ofFile) mapping.Dispose();
        }
        _files.Clear();
    }

    private torch.Tensor FileTensor(SafeTensorsFile file, torch.ScalarType dtype, long elementSize)
    {
        if (!_files.TryGetValue(file.RealPath, out List<torch.Tensor>? ofFile)) _files[file.RealPath] = ofFile = [];
        foreach (torch.Tensor existing in ofFile)
        {
            if (existing.dtype == dtype) return existing;
        }
        torch.Tensor mapped;
        try
        {
            // Sized by the validated length: a symbolic link's own length (or a file grown since) says nothing.
            long elements = file.Header.FileLength / elementSize;
            mapped = torch.from_file(file.RealPath, shared: false, size: elements, dtype: dtype);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new IOException($"{file.FilePath}: could not map the file: {e.Message}", e);
        }
        ofFile.Add(mapped);
        return mapped;
    }

    private static long ElementSize(SafeTensorsEntry entry) => entry.DType.BitSize() / 8;
}
