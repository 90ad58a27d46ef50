using System.Runtime.InteropServices;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// Scatter and gather of raw byte parts whose sizes only the root knows. The root first scatters each rank's count,
/// so that every rank checks its own and a mismatch is the same refusal everywhere; then the parts move point to
/// point in pieces of at most <see cref="MaxChunkBytes"/> (no 32-bit displacements, so parts may lie anywhere in
/// memory and exceed 2 GiB).
/// </summary>
public sealed unsafe partial class MpiProcessGroup
{
    /// <summary>The tag of part pieces: messages between two ranks on one communicator arrive in order.</summary>
    private const int PartTag = 7;

    /// <inheritdoc />
    public void ScatterNative(nint sendAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, nint receiveAddress, long receiveBytes, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        CollectiveArguments.CheckRange(receiveAddress, receiveBytes);
        AgreeOnPartSizes(nameof(ScatterNative), sendAddress, byteCounts, byteOffsets, nameof(receiveBytes), receiveBytes, root);

        var requests = new List<nint>();
        if (Rank == root)
        {
            for (int r = 0; r < Size; r++)
            {
                if (r != root)
                    PostPieces(requests, sendAddress + (nint)byteOffsets[r], byteCounts[r], r, send: true);
            }
            if (receiveBytes > 0)
                NativeMemory.Copy((byte*)sendAddress + byteOffsets[root], (void*)receiveAddress, (nuint)receiveBytes);
        }
        else
            PostPieces(requests, receiveAddress, receiveBytes, root, send: false);
        WaitAll(requests);
    }

    /// <inheritdoc />
    public void GatherNative(nint sendAddress, long sendBytes, nint receiveAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, int root = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CollectiveArguments.CheckRoot(root, Size);
        CollectiveArguments.CheckRange(sendAddress, sendBytes);
        AgreeOnPartSizes(nameof(GatherNative), receiveAddress, byteCounts, byteOffsets, nameof(sendBytes), sendBytes, root);

        var requests = new List<nint>();
        if (Rank == root)
        {
            for (int r = 0; r < Size; r++)
            {
                if (r != root)
                    PostPieces(requests, receiveAddress + (nint)byteOffsets[r], byteCounts[r], r, send: false);
            }
            if (sendBytes > 0)
                NativeMemory.Copy((void*)sendAddress, (byte*)receiveAddress + byteOffsets[root], (nuint)sendBytes);
        }
        else
            PostPieces(requests, sendAddress, sendBytes, root, send: true);
        WaitAll(requests);
    }

    /// <summary>
    /// The root checks its spans and scatters each rank's count (or -1 for "the root refused"); each rank compares its
    /// own count, and a max-reduction names the lowest rank that disagrees, so every rank throws or none does.
    /// </summary>
    private void AgreeOnPartSizes(string operation, nint rootAddress, ReadOnlySpan<long> byteCounts, ReadOnlySpan<long> byteOffsets, string countName, long count, int root)
    {
        string? rootProblem = null;
        var expected = new long[Rank == root ? Size : 0];
        if (Rank == root)
        {
            rootProblem = NativeArguments.ProblemWithRootParts(operation, rootAddress, byteCounts, byteOffsets, Size);
            for (int r = 0; r < Size; r++)
                expected[r] = rootProblem is null ? byteCounts[r] : -1;
        }

        Enter(operation);
        long mine;
        nint request;
        fixed (long* counts = expected)
            _api.Check(_api.Iscatter(counts, 1, _api.Int64, &mine, 1, _api.Int64, root, _comm, &request), "MPI_Iscatter");
        Wait(&request, 1, bulk: false);
        if (mine < 0)
            throw new ArgumentException(rootProblem ?? NativeArguments.RootRefused(operation, root), nameof(byteCounts));

        // Still the same collective: its timeout names the scatter or gather, not the reduction inside it.
        long highest = MaxOfEntered(mine == count ? 0 : Size - Rank);
        if (highest == 0)
            return;
        int disagreeing = checked((int)(Size - highest));
        throw new ArgumentException(
            disagreeing == Rank
                ? NativeArguments.Mismatch(operation, Rank, countName, count, mine)
                : NativeArguments.MismatchElsewhere(operation, disagreeing, countName),
            countName);
    }

    private void PostPieces(List<nint> requests, nint address, long byteCount, int peer, bool send)
    {
        foreach ((long offset, int length) in BroadcastChunks.Plan(byteCount, _maxChunkBytes))
        {
            nint request;
            void* piece = (byte*)address + offset;
            if (send)
                _api.Check(_api.Isend(piece, length, _api.Byte, peer, PartTag, _pointToPoint, &request), "MPI_Isend");
            else
                _api.Check(_api.Irecv(piece, length, _api.Byte, peer, PartTag, _pointToPoint, &request), "MPI_Irecv");
            requests.Add(request);
        }
    }

    private void WaitAll(List<nint> requests)
    {
        if (requests.Count == 0) return;
        fixed (nint* start = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(requests))
            Wait(start, requests.Count, bulk: true);
    }
}
