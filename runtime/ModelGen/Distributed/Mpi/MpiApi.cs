using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// A thin binding to Open MPI's C library, resolved from the library handle at run time so that nothing MPI is
/// loaded until a multi-process group is asked for. Open MPI's handles (<c>MPI_Comm</c>, <c>MPI_Datatype</c>,
/// <c>MPI_Op</c>, <c>MPI_Info</c>) are pointers, and its predefined ones (<c>MPI_COMM_WORLD</c>, <c>MPI_BYTE</c>,
/// ...) are the addresses of exported globals.
/// </summary>
internal sealed unsafe class MpiApi
{
    /// <summary>The shared object name of Open MPI 4.x, the MPI this binding speaks to.</summary>
    public const string DefaultLibraryName = "libmpi.so.40";

    /// <summary>What a user has to install when the library is missing.</summary>
    public const string InstallHint =
        "Multi-process runs use Open MPI 4.x: install it with 'apt-get install openmpi-bin libopenmpi-dev' on " +
        "Debian/Ubuntu (or your distribution's Open MPI 4 packages), then start the program with mpirun. " +
        "A single process needs no MPI: run it without mpirun.";

    public const int Success = 0;
    public const int ThreadMultiple = 3;
    public const int CommTypeShared = 0;
    public const int AnySource = -1;

    /// <summary><c>MPI_UNDEFINED</c> in Open MPI: the color of a rank that joins no communicator of a split.</summary>
    public const int Undefined = -32766;

    /// <summary><c>MPI_IN_PLACE</c>: Open MPI's sentinel address 1.</summary>
    public static readonly void* InPlace = (void*)1;
    private const int MaxErrorString = 256;

    private static readonly ConcurrentDictionary<string, MpiApi> Loaded = new(StringComparer.Ordinal);

    private MpiApi(string libraryName, nint library)
    {
        LibraryName = libraryName;
        Initialized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(library, "MPI_Init_thread");
        QueryThread = (delegate* unmanaged<int*, int>)Export(library, "MPI_Query_thread");
        Finalize = (delegate* unmanaged<int>)Export(library, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_size");
        CommSplitType = (delegate* unmanaged<nint, int, int, nint, nint*, int>)Export(library, "MPI_Comm_split_type");
        CommFree = (delegate* unmanaged<nint*, int>)Export(library, "MPI_Comm_free");
        CommSplit = (delegate* unmanaged<nint, int, int, nint*, int>)Export(library, "MPI_Comm_split");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export(library, "MPI_Iallreduce");
        Testall = (delegate* unmanaged<int, nint*, int*, nint, int>)Export(library, "MPI_Testall");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export(library, "MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Export(library, "MPI_Ibarrier");
        Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)Export(library, "MPI_Iallgather");
        IreduceScatterBlock = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export(library, "MPI_Ireduce_scatter_block");
        Ireduce = (delegate* unmanaged<void*, void*, int, nint, nint, int, nint, nint*, int>)Export(library, "MPI_Ireduce");
        Iscatter = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, nint*, int>)Export(library, "MPI_Iscatter");
        Isend = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export(library, "MPI_Isend");
        Irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export(library, "MPI_Irecv");
        Iprobe = (delegate* unmanaged<int, int, nint, int*, MpiStatus*, int>)Export(library, "MPI_Iprobe");
        Recv = (delegate* unmanaged<void*, int, nint, int, int, nint, MpiStatus*, int>)Export(library, "MPI_Recv");
        CommDup = (delegate* unmanaged<nint, nint*, int>)Export(library, "MPI_Comm_dup");
        RequestFree = (delegate* unmanaged<nint*, int>)Export(library, "MPI_Request_free");
        Abort = (delegate* unmanaged<nint, int, int>)Export(library, "MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export(library, "MPI_Error_string");
        CommWorld = Export(library, "ompi_mpi_comm_world");
        Byte = Export(library, "ompi_mpi_byte");
        Int64 = Export(library, "ompi_mpi_int64_t");
        Float = Export(library, "ompi_mpi_float");
        Double = Export(library, "ompi_mpi_double");
        OpMax = Export(library, "ompi_mpi_op_max");
        OpSum = Export(library, "ompi_mpi_op_sum");
        InfoNull = Export(library, "ompi_mpi_info_null");
        CommNull = Export(library, "ompi_mpi_comm_null");
    }

    public string LibraryName { get; }

    public delegate* unmanaged<int*, int> Initialized { get; }
    public delegate* unmanaged<int*, int> Finalized { get; }
    public delegate* unmanaged<int*, byte***, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int*, int> QueryThread { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<nint, int*, int> CommRank { get; }
    public delegate* unmanaged<nint, int*, int> CommSize { get; }
    public delegate* unmanaged<nint, int, int, nint, nint*, int> CommSplitType { get; }
    public delegate* unmanaged<nint*, int> CommFree { get; }

    /// <summary><c>MPI_Comm_split(comm, color, key, &amp;newcomm)</c>: a rank passing <see cref="Undefined"/> gets <see cref="CommNull"/>.</summary>
    public delegate* unmanaged<nint, int, int, nint*, int> CommSplit { get; }

    /// <summary><c>MPI_Iallreduce</c>: the request handle is Open MPI's pointer-sized <c>MPI_Request</c>.</summary>
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce { get; }

    /// <summary><c>MPI_Testall</c>, called with <c>MPI_STATUSES_IGNORE</c> (a null pointer in Open MPI).</summary>
    public delegate* unmanaged<int, nint*, int*, nint, int> Testall { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast { get; }
    public delegate* unmanaged<nint, nint*, int> Ibarrier { get; }
    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather { get; }
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> IreduceScatterBlock { get; }
    public delegate* unmanaged<void*, void*, int, nint, nint, int, nint, nint*, int> Ireduce { get; }
    public delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, nint*, int> Iscatter { get; }
    public delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Isend { get; }
    public delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Irecv { get; }
    public delegate* unmanaged<int, int, nint, int*, MpiStatus*, int> Iprobe { get; }
    public delegate* unmanaged<void*, int, nint, int, int, nint, MpiStatus*, int> Recv { get; }
    public delegate* unmanaged<nint, nint*, int> CommDup { get; }
    public delegate* unmanaged<nint*, int> RequestFree { get; }
    public delegate* unmanaged<nint, int, int> Abort { get; }
    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }

    /// <summary><c>MPI_COMM_WORLD</c>.</summary>
    public nint CommWorld { get; }

    /// <summary><c>MPI_BYTE</c>.</summary>
    public nint Byte { get; }

    /// <summary><c>MPI_INT64_T</c>.</summary>
    public nint Int64 { get; }

    /// <summary><c>MPI_FLOAT</c>.</summary>
    public nint Float { get; }

    /// <summary><c>MPI_DOUBLE</c>.</summary>
    public nint Double { get; }

    /// <summary><c>MPI_MAX</c>.</summary>
    public nint OpMax { get; }

    /// <summary><c>MPI_SUM</c>.</summary>
    public nint OpSum { get; }

    /// <summary><c>MPI_INFO_NULL</c>.</summary>
    public nint InfoNull { get; }

    /// <summary><c>MPI_COMM_NULL</c>.</summary>
    public nint CommNull { get; }

    /// <summary>Loads (once per process and name) the MPI library and resolves the binding.</summary>
    /// <exception cref="DllNotFoundException">The library is not installed; the message says what to install.</exception>
    public static MpiApi Load(string libraryName = DefaultLibraryName) =>
        Loaded.GetOrAdd(libraryName, static name =>
        {
            nint library = DynamicLinker.OpenGlobal(name, out string error);
            if (library == 0)
                throw new DllNotFoundException($"The MPI library '{name}' could not be loaded ({error}). {InstallHint}");
            return new MpiApi(name, library);
        });

    /// <summary>Throws <see cref="MpiException"/> when <paramref name="code"/> is not <c>MPI_SUCCESS</c>.</summary>
    public void Check(int code, string call)
    {
        if (code != Success)
            throw new MpiException(call, code, DescribeError(code));
    }

    private string DescribeError(int code)
    {
        byte* text = stackalloc byte[MaxErrorString + 1];
        int length = 0;
        if (ErrorString(code, text, &length) != Success || length <= 0)
            return $"MPI error {code}";
        return Marshal.PtrToStringUTF8((nint)text, Math.Min(length, MaxErrorString));
    }

    private string ExportMissing(string symbol) =>
        $"'{LibraryName}' has no export '{symbol}': it is not the Open MPI 4.x library this binding expects. {InstallHint}";

    private nint Export(nint library, string symbol) =>
        NativeLibrary.TryGetExport(library, symbol, out nint address)
            ? address
            : throw new EntryPointNotFoundException(ExportMissing(symbol));
}
