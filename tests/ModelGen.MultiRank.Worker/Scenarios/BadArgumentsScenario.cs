using ModelGen.Distributed;
using ModelGen.Distributed.Mpi;
using TorchSharp;

namespace ModelGen.MultiRank.Worker.Scenarios;

/// <summary>
/// Calls that every rank makes with the same bad argument are refused on every rank before any MPI call, so the
/// job goes on (the barrier afterwards completes).
/// </summary>
internal static class BadArgumentsScenario
{
    public static int Run(IProcessGroup group, Report report)
    {
        using var meta = torch.empty([8], device: torch.META);
        using var matrix = torch.zeros(4, 4);
        using var transposed = matrix.t();
        using var integers = torch.zeros([4], dtype: torch.int32);

        report.Event("refused",
            ("rootTooLarge", ErrorOf(() => group.Broadcast(matrix, root: group.Size))),
            ("rootNegative", ErrorOf(() => group.BroadcastMessage([1], root: -1))),
            ("metaTensor", ErrorOf(() => group.Broadcast(meta))),
            ("notContiguous", ErrorOf(() => group.Broadcast(transposed))),
            ("negativeLength", ErrorOf(() => group.BroadcastNative(1, -1))),
            ("gatherSizeMismatch", ErrorOf(() => group.AllGather(matrix, matrix))),
            ("reduceWrongDType", ErrorOf(() => group.AllReduce(integers))),
            ("reduceMetaTensor", ErrorOf(() => group.AllReduce(meta))),
            ("reduceScatterSizeMismatch", ErrorOf(() => group.ReduceScatter(matrix, matrix))));
        // MPI's own errors end the job by default (MPI_ERRORS_ARE_FATAL); a code that does come back is raised
        // with MPI's description. Code 1 is MPI_ERR_BUFFER.
        MpiException mpiError = Expect(() => MpiApi.Load().Check(1, "MPI_Bcast"));
        report.Event("mpi-error", ("call", mpiError.Call), ("code", mpiError.ErrorCode), ("message", mpiError.Message));

        group.Barrier();
        report.Event("still-running");
        return 0;
    }

    private static MpiException Expect(Action action)
    {
        try
        {
            action();
        }
        catch (MpiException e)
        {
            return e;
        }
        throw new InvalidOperationException("expected an MpiException");
    }

    private static string ErrorOf(Action action)
    {
        try
        {
            action();
            return "none";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }
}
