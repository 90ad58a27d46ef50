namespace ModelGen.Distributed.Mpi;

/// <summary>An MPI call returned an error code instead of <c>MPI_SUCCESS</c>.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="call">The MPI function that failed, for example <c>MPI_Bcast</c>.</param>
    /// <param name="errorCode">The code it returned.</param>
    /// <param name="description">MPI's description of the code.</param>
    public MpiException(string call, int errorCode, string description)
        : base($"{call} failed with MPI error {errorCode}: {description}")
    {
        Call = call;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed.</summary>
    public string Call { get; }

    /// <summary>The MPI error code it returned.</summary>
    public int ErrorCode { get; }
}
