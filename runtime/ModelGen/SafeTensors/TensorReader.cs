using ModelGen.Native;
using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace ModelGen.SafeTensors;

/// <summary>
/// Moves one entry's bytes from the file into a destination tensor's own memory: straight in when the dtypes
/// match, through a bounded staging tensor when they differ. Positional reads only, so concurrent calls for
/// different tensors on one handle are safe.
/// </summary>
internal static class TensorReader
{
    public static void ReadInto(SafeFileHandle handle, SafeTensorsEntry entry, torch.Tensor destination, SafeTensorsReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(destination);
        torch.ScalarType sourceType = CheckDestination(entry, destination);
        if (entry.ElementCount == 0)
            return;

        if (destination.dtype == sourceType)
            ReadRaw(handle, entry, entry.FileOffset, entry.ByteLength, TensorMemory.DataPointer(destination), options);
        else
            ReadConverting(handle, entry, sourceType, destination, options);
    }

    private static torch.ScalarType CheckDestination(SafeTensorsEntry entry, torch.Tensor destination)
    {
        if (!entry.DType.TryGetScalarType(out torch.ScalarType sourceType))
            throw new SafeTensorsReadException(SafeTensorsRule.UnsupportedDType, entry.FilePath, entry.Name, $"dtype {entry.DType} has no TorchSharp element type; read its raw bytes instead.");
        if (destination.is_quantized())
            throw new SafeTensorsReadException(SafeTensorsRule.UnsupportedDType, entry.FilePath, entry.Name, $"the destination's element type {destination.dtype} is quantized; {entry.DType} cannot be converted into it.");
        if (destination.device_type != DeviceType.CPU)
            throw new SafeTensorsReadException(SafeTensorsRule.DestinationNotOnCpu, entry.FilePath, entry.Name, $"the destination is on {destination.device}, not on the CPU.");
        long[] actual = destination.shape;
        if (!Shapes.Equal(actual, entry.GetShapeArray()))
            throw new SafeTensorsReadException(SafeTensorsRule.DestinationShapeMismatch, entry.FilePath, entry.Name, $"expected shape [{string.Join(", ", entry.Shape)}], the destination has [{string.Join(", ", actual)}].");
        if (!destination.is_contiguous())
            throw new SafeTensorsReadException(SafeTensorsRule.DestinationNotContiguous, entry.FilePath, entry.Name, $"the destination of shape [{string.Join(", ", actual)}] is not contiguous.");
        return sourceType;
    }

    /// <summary>Reads a byte range into native memory; large ranges are split between concurrent reads.</summary>
    internal static void ReadRaw(SafeFileHandle handle, SafeTensorsEntry entry, long fileOffset, long length, nint destination, SafeTensorsReadOptions options)
    {
        int parts = length >= options.ParallelReadThreshold ? Math.Max(1, options.ParallelReads) : 1;
        if (parts == 1)
        {
            FileReads.ReadExactly(handle, destination, length, fileOffset, entry.FilePath, entry.Name);
            return;
        }

        // Page-aligned parts, so that no two threads touch the same page of the destination.
        const long Page = 4096;
        long partLength = (length / parts + Page - 1) / Page * Page;
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                long start = part * partLength;
                long end = Math.Min(length, start + partLength);
                if (start < end)
                    FileReads.ReadExactly(handle, destination + (nint)start, end - start, fileOffset + start, entry.FilePath, entry.Name);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private static void ReadConverting(SafeFileHandle handle, SafeTensorsEntry entry, torch.ScalarType sourceType, torch.Tensor destination, SafeTensorsReadOptions options)
    {
        long elementSize = entry.DType.BitSize() / 8;
        long chunkElements = Math.Clamp(options.ConversionChunkBytes / elementSize, 1, entry.ElementCount);
        // Explicit CPU device: the default device may be meta while a model is being constructed.
        using torch.Tensor staging = torch.empty([chunkElements], dtype: sourceType, device: torch.CPU);
        nint stagingPointer = TensorMemory.DataPointer(staging);
        using torch.Tensor flat = destination.view(-1);
        using var noGrad = torch.no_grad();
        for (long start = 0; start < entry.ElementCount; start += chunkElements)
        {
            long count = Math.Min(chunkElements, entry.ElementCount - start);
            ReadRaw(handle, entry, entry.FileOffset + start * elementSize, count * elementSize, stagingPointer, options);
            using torch.Tensor target = flat.narrow(0, start, count);
            using torch.Tensor source = staging.narrow(0, 0, count);
            target.copy_(source);
        }
    }
}
