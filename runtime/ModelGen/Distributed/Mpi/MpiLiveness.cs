using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// Finds out which ranks are still there when a collective does not complete. It runs on a communicator of its own
/// (<c>MPI_Comm_dup</c>), so its messages never meet the collectives'. A rank whose wait passes its deadline sends
/// "stopping at collective #k" to every other rank; every rank polls for such messages while it waits in any
/// collective (and when it enters one), and on the first one it stops waiting too and sends its own. After a grace
/// period each live rank has heard from every other live rank that was waiting in a collective; the others are the
/// ranks that did not respond. Costs nothing but a probe per poll while no rank times out.
/// </summary>
internal sealed unsafe class MpiLiveness
{
    private const int StoppingTag = 11;

    private readonly MpiApi _api;
    private readonly nint _comm;
    private readonly int _rank;
    private readonly int _size;
    private readonly Dictionary<int, long> _heard = [];

    public MpiLiveness(MpiApi api, int rank, int size)
    {
        _api = api;
        _rank = rank;
        _size = size;
        nint comm;
        api.Check(api.CommDup(api.CommWorld, &comm), "MPI_Comm_dup");
        _comm = comm;
    }

    /// <summary>The lowest rank that has told this one it stopped waiting, or -1 when none has.</summary>
    public int FirstStoppedRank()
    {
        Drain();
        return _heard.Count == 0 ? -1 : _heard.Keys.Min();
    }

    /// <summary>
    /// Tells every other rank that this one stops waiting at collective <paramref name="number"/>, then listens for
    /// <paramref name="grace"/> (or until every rank has spoken).
    /// </summary>
    /// <returns>The ranks not heard from, ascending.</returns>
    public IReadOnlyList<int> Resolve(long number, TimeSpan grace)
    {
        // The payload must outlive the sends, which may still be queued for a rank that never reads them: a few bytes,
        // allocated once per group (a group resolves at most once) and never freed.
        long* payload = (long*)NativeMemory.Alloc(sizeof(long));
        *payload = number;
        for (int r = 0; r < _size; r++)
        {
            if (r == _rank) continue;
            nint request;
            _api.Check(_api.Isend(payload, 1, _api.Int64, r, StoppingTag, _comm, &request), "MPI_Isend");
            _api.Check(_api.RequestFree(&request), "MPI_Request_free");
        }

        long end = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (_heard.Count < _size - 1 && Stopwatch.GetTimestamp() < end)
        {
            Drain();
            Thread.Sleep(1);
        }
        Drain();
        return Enumerable.Range(0, _size).Where(r => r != _rank && !_heard.ContainsKey(r)).ToArray();
    }

    /// <summary>Frees the communicator; only while MPI is healthy (not after a resolution).</summary>
    public void Free()
    {
        nint comm = _comm;
        _api.Check(_api.CommFree(&comm), "MPI_Comm_free");
    }

    private void Drain()
    {
        while (true)
        {
            int arrived;
            MpiStatus status;
            _api.Check(_api.Iprobe(MpiApi.AnySource, StoppingTag, _comm, &arrived, &status), "MPI_Iprobe");
            if (arrived == 0) return;
            long number;
            _api.Check(_api.Recv(&number, 1, _api.Int64, status.Source, StoppingTag, _comm, null), "MPI_Recv");
            _heard[status.Source] = number;
        }
    }
}
