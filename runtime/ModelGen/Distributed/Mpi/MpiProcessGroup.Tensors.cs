using System.Runtime.InteropServices;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Distributed.Mpi;

/// <summary>The tensor collectives: all-gather moves bytes, the reductions run in MPI's float or double.</summary>
public sealed unsafe partial class MpiProcessGroup
{
    /// <inheritdoc />
    public void AllGather(torch.Tensor input, torch.Tensor output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckAllGather(input, output, Size);
        Enter(nameof(AllGather));
        using StagedTensor send = StagedTensor.WithValues(input);
        using StagedTensor receive = StagedTensor.ForOutput(output);
        long blockBytes = TensorMemory.ByteLength(send.Working);
        if (blockBytes > 0)
            AllGatherBytes(TensorMemory.DataPointer(send.Working), blockBytes, TensorMemory.DataPointer(receive.Working));
        receive.CopyBack();
        GC.KeepAlive(input);
        GC.KeepAlive(output);
    }

    /// <inheritdoc />
    public void AllReduce(torch.Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckAllReduce(tensor, op);
        Enter(nameof(AllReduce));
        using StagedTensor staged = StagedTensor.WithValues(tensor, ReductionType(tensor.dtype));
        torch.Tensor working = staged.Working;
        long count = working.numel();
        if (count > 0)
        {
            (nint datatype, int elementSize) = MpiType(working.dtype);
            nint address = TensorMemory.DataPointer(working);
            foreach ((long offset, int length) in BroadcastChunks.Plan(count, ElementsPerPiece(elementSize)))
            {
                nint request;
                _api.Check(_api.Iallreduce(MpiApi.InPlace, (byte*)address + offset * elementSize, length, datatype, _api.OpSum, _comm, &request), "MPI_Iallreduce");
                Wait(&request, 1, bulk: true);
            }
            Finish(working, op);
        }
        staged.CopyBack();
        GC.KeepAlive(tensor);
    }

    /// <inheritdoc />
    public void ReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op = ReduceOp.Sum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorArguments.CheckReduceScatter(input, output, op, Size);
        Enter(nameof(ReduceScatter));
        torch.ScalarType working = ReductionType(input.dtype);
        using StagedTensor send = StagedTensor.WithValues(input, working);
        using StagedTensor receive = StagedTensor.ForOutput(output, working);
        long blockCount = receive.Working.numel();
        if (blockCount > 0)
        {
            ReduceScatterElements(TensorMemory.DataPointer(send.Working), TensorMemory.DataPointer(receive.Working), blockCount, MpiType(working));
            Finish(receive.Working, op);
        }
        receive.CopyBack();
        GC.KeepAlive(input);
        GC.KeepAlive(output);
    }

    /// <summary>MPI has no 16-bit float types: those are reduced in float32.</summary>
    private static torch.ScalarType ReductionType(torch.ScalarType dtype) =>
        dtype is torch.ScalarType.Float32 or torch.ScalarType.Float64 ? dtype : torch.ScalarType.Float32;

    private (nint Datatype, int ElementSize) MpiType(torch.ScalarType dtype) => dtype == torch.ScalarType.Float64
        ? (_api.Double, sizeof(double))
        : (_api.Float, sizeof(float));

    private int ElementsPerPiece(int elementSize) => Math.Max(1, _maxChunkBytes / elementSize);

    private void Finish(torch.Tensor reduced, ReduceOp op)
    {
        if (op != ReduceOp.Average || Size == 1) return;
        using var noGrad = torch.no_grad();
        reduced.div_(Size);
    }

    /// <summary>
    /// One <c>MPI_Iallgather</c> when a block fits one call; otherwise every rank broadcasts its block in pieces into
    /// its place in the output (a single gather's displacements could not address past 2 GiB).
    /// </summary>
    private void AllGatherBytes(nint send, long blockBytes, nint receive)
    {
        if (blockBytes <= _maxChunkBytes && blockBytes * Size <= int.MaxValue)
        {
            nint request;
            _api.Check(_api.Iallgather((void*)send, (int)blockBytes, _api.Byte, (void*)receive, (int)blockBytes, _api.Byte, _comm, &request), "MPI_Iallgather");
            Wait(&request, 1, bulk: true);
            return;
        }

        NativeMemory.Copy((void*)send, (byte*)receive + Rank * blockBytes, (nuint)blockBytes);
        var requests = new nint[Size];
        fixed (nint* pending = requests)
        {
            foreach ((long offset, int length) in BroadcastChunks.Plan(blockBytes, _maxChunkBytes))
            {
                for (int r = 0; r < Size; r++)
                    _api.Check(_api.Ibcast((byte*)receive + r * blockBytes + offset, length, _api.Byte, r, _comm, &pending[r]), "MPI_Ibcast");
                Wait(pending, Size, bulk: true);
            }
        }
    }

    /// <summary>
    /// One <c>MPI_Ireduce_scatter_block</c> when a block fits one call; otherwise, piece by piece, one reduction per
    /// rank onto that rank (the pieces of a block are contiguous, so no staging copy is needed).
    /// </summary>
    private void ReduceScatterElements(nint send, nint receive, long blockCount, (nint Datatype, int ElementSize) type)
    {
        (nint datatype, int elementSize) = type;
        long blockBytes = blockCount * elementSize;
        if (blockBytes <= _maxChunkBytes && blockCount * Size <= int.MaxValue)
        {
            nint request;
            _api.Check(_api.IreduceScatterBlock((void*)send, (void*)receive, (int)blockCount, datatype, _api.OpSum, _comm, &request), "MPI_Ireduce_scatter_block");
            Wait(&request, 1, bulk: true);
            return;
        }

        var requests = new nint[Size];
        fixed (nint* pending = requests)
        {
            foreach ((long offset, int length) in BroadcastChunks.Plan(blockCount, ElementsPerPiece(elementSize)))
            {
                for (int r = 0; r < Size; r++)
                {
                    byte* source = (byte*)send + (r * blockCount + offset) * elementSize;
                    byte* target = r == Rank ? (byte*)receive + offset * elementSize : null;
                    _api.Check(_api.Ireduce(source, target, length, datatype, _api.OpSum, r, _comm, &pending[r]), "MPI_Ireduce");
                }
                Wait(pending, Size, bulk: true);
            }
        }
    }
}
