using System.Runtime.InteropServices;

namespace ModelGen.Distributed.Mpi;

/// <summary>Open MPI 4.x's <c>MPI_Status</c>: the three public fields, then two internal ones.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MpiStatus
{
    public int Source;
    public int Tag;
    public int Error;
    public int Cancelled;
    public nuint Count;
}
