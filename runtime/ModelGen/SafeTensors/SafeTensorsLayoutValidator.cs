namespace ModelGen.SafeTensors;

/// <summary>
/// Checks parsed entries against the data buffer, as the reference implementation does: sorted by offsets, the
/// byte ranges must tile [0, end) exactly, each range must be as long as its shape and dtype say, and the
/// header plus the buffer must be the whole file. All arithmetic is checked.
/// </summary>
internal static class SafeTensorsLayoutValidator
{
    public static SafeTensorsEntry[] Validate(List<RawTensorEntry> raw, long headerLength, long fileLength, string filePath)
    {
        long dataStart = SafeTensorsHeader.PrefixLength + headerLength;
        // JSON order carries no meaning: the file order is the offset order. Ties (zero-length tensors) by name, for determinism.
        raw.Sort(static (a, b) =>
        {
            int byBegin = a.Begin.CompareTo(b.Begin);
            if (byBegin != 0)
                return byBegin;
            int byEnd = a.End.CompareTo(b.End);
            return byEnd != 0 ? byEnd : string.CompareOrdinal(a.Name, b.Name);
        });

        var entries = new SafeTensorsEntry[raw.Count];
        ulong cursor = 0;
        string? previous = null;
        for (int i = 0; i < raw.Count; i++)
        {
            RawTensorEntry e = raw[i];
            if (e.End < e.Begin)
                throw Fail(SafeTensorsRule.InvalidOffsets, filePath, e.Name, $"data_offsets [{e.Begin}, {e.End}] end before they begin.");
            if (e.Begin < cursor)
                throw Fail(SafeTensorsRule.OverlappingData, filePath, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous}', which ends at {cursor}.");
            if (e.Begin > cursor)
                throw Fail(SafeTensorsRule.DataHole, filePath, e.Name, $"data_offsets [{e.Begin}, {e.End}] leave bytes [{cursor}, {e.Begin}) of the data buffer to no tensor.");

            long[] shape = e.Shape;
            ulong elements = 1;
            for (int d = 0; d < shape.Length; d++)
            {
                ulong dim = unchecked((ulong)shape[d]);
                if (dim > long.MaxValue || !TryMultiply(elements, dim, out elements))
                    throw Fail(SafeTensorsRule.ArithmeticOverflow, filePath, e.Name, $"shape [{Written(shape)}] overflows 64-bit sizes.");
            }
            if (!TryMultiply(elements, (ulong)e.DType.BitSize(), out ulong bits))
                throw Fail(SafeTensorsRule.ArithmeticOverflow, filePath, e.Name, $"{elements} elements of {e.DType} overflow a 64-bit bit count.");
            if (bits % 8 != 0)
                throw Fail(SafeTensorsRule.PartialByte, filePath, e.Name, $"{elements} elements of {e.DType} are {bits} bits, which is not a whole number of bytes.");
            ulong bytes = bits / 8;
            if (e.End - e.Begin != bytes)
                throw Fail(SafeTensorsRule.SizeMismatch, filePath, e.Name, $"data_offsets [{e.Begin}, {e.End}] span {e.End - e.Begin} bytes, but shape [{Written(shape)}] of {e.DType} needs {bytes}.");
            if (e.End > (ulong)(long.MaxValue - dataStart))
                throw Fail(SafeTensorsRule.ArithmeticOverflow, filePath, e.Name, $"data_offsets end {e.End} is beyond any possible file length.");

            entries[i] = new SafeTensorsEntry(e.Name, e.DType, shape, (long)elements, (long)e.Begin, (long)e.End, dataStart, filePath);
            cursor = e.End;
            previous = e.Name;
        }

        long expected = dataStart + (long)cursor;
        if (expected != fileLength)
            throw Fail(SafeTensorsRule.FileLengthMismatch, filePath, null, $"8 + header {headerLength} + data {cursor} = {expected} bytes, but the file has {fileLength}.");
        return entries;
    }

    /// <summary>The shape as written in the header: its dimensions are unsigned.</summary>
    private static string Written(long[] shape) => string.Join(", ", shape.Select(d => unchecked((ulong)d)));

    private static bool TryMultiply(ulong a, ulong b, out ulong product)
    {
        ulong high = Math.BigMul(a, b, out product);
        return high == 0;
    }

    private static SafeTensorsFormatException Fail(SafeTensorsRule rule, string filePath, string? key, string detail) =>
        new(rule, filePath, key, detail);
}
