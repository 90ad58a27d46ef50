namespace ModelGen.Distributed;

/// <summary>How <see cref="IProcessGroup.AllReduce"/> and <see cref="IProcessGroup.ReduceScatter"/> combine the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum over the ranks.</summary>
    Sum,

    /// <summary>The element-wise sum over the ranks divided by the number of ranks.</summary>
    Average,
}
