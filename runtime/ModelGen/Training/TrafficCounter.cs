using TorchSharp;

namespace ModelGen.Training;

/// <summary>Adds up the bytes a training object hands to collectives (<see cref="CollectiveTraffic"/>).</summary>
internal sealed class TrafficCounter(int ranks)
{
    private long _allReduce, _allGather, _reduceScatter;

    public CollectiveTraffic Total => new(ranks, _allReduce, _allGather, _reduceScatter);

    public void AllReduce(torch.Tensor buffer) => _allReduce += Bytes(buffer);

    public void AllGather(long gatheredBytes) => _allGather += gatheredBytes;

    public void ReduceScatter(torch.Tensor input) => _reduceScatter += Bytes(input);

    private static long Bytes(torch.Tensor t) => t.numel() * t.element_size();
}
