namespace ModelGen.Distributed;

/// <summary>Broadcasts of arrays of longs (addresses, offsets) as the bytes they are.</summary>
internal static class LongBroadcast
{
    /// <summary>
    /// Sends <paramref name="values"/> from <paramref name="root"/> to every rank, in place. Through a pinned pointer:
    /// MemoryMarshal.AsBytes over a span of longs is compiled in every fresh process, on the load's clock.
    /// </summary>
    public static unsafe void BroadcastLongs(this IProcessGroup group, long[] values, int root)
    {
        fixed (long* start = values)
            group.Broadcast(new Span<byte>(start, checked(values.Length * sizeof(long))), root);
    }
}
