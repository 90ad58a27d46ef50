using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// Checks of the tensors handed to the tensor collectives. Like <see cref="CollectiveArguments"/>, they depend only on
/// what every rank passes alike (shapes, dtypes, devices), so every rank refuses the same call before any exchange.
/// </summary>
internal static class TensorArguments
{
    /// <summary>A CPU tensor with storage: not null, not on the meta device, not on an accelerator.</summary>
    public static void CheckCpu(torch.Tensor tensor, string operation, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (tensor.device_type == DeviceType.META)
            throw new ArgumentException(
                $"{operation}: '{paramName}' is on the meta device, which has no bytes to send or receive; allocate it on the CPU first.",
                paramName);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException(
                $"{operation}: '{paramName}' is on '{tensor.device}'; the collectives move CPU tensors only.", paramName);
    }

    /// <summary>The dtypes a reduction accepts: float32 and float64 natively, bfloat16 and float16 through float32.</summary>
    public static void CheckReducible(torch.Tensor tensor, string operation, string paramName)
    {
        if (tensor.dtype is not (torch.ScalarType.Float32 or torch.ScalarType.Float64 or torch.ScalarType.BFloat16 or torch.ScalarType.Float16))
            throw new ArgumentException(
                $"{operation}: '{paramName}' has dtype {tensor.dtype}; reductions take Float32, Float64, BFloat16 or Float16.",
                paramName);
    }

    public static void CheckSameDType(torch.Tensor input, torch.Tensor output, string operation)
    {
        if (input.dtype != output.dtype)
            throw new ArgumentException(
                $"{operation}: 'output' has dtype {output.dtype} but 'input' has {input.dtype}; they must match.", nameof(output));
    }

    /// <summary>AllGather: output holds <paramref name="size"/> blocks of the input's elements.</summary>
    public static void CheckAllGather(torch.Tensor input, torch.Tensor output, int size)
    {
        const string Operation = nameof(IProcessGroup.AllGather);
        CheckCpu(input, Operation, nameof(input));
        CheckCpu(output, Operation, nameof(output));
        CheckSameDType(input, output, Operation);
        if (output.numel() != checked(input.numel() * size))
            throw new ArgumentException(
                $"{Operation}: size mismatch: 'output' has {output.numel()} elements, but {size} ranks x {input.numel()} input elements = {input.numel() * size} are gathered.",
                nameof(output));
    }

    /// <summary>AllReduce: a reducible CPU tensor.</summary>
    public static void CheckAllReduce(torch.Tensor tensor, ReduceOp op)
    {
        const string Operation = nameof(IProcessGroup.AllReduce);
        CheckCpu(tensor, Operation, nameof(tensor));
        CheckReducible(tensor, Operation, nameof(tensor));
        CheckOp(op);
    }

    /// <summary>ReduceScatter: the input holds <paramref name="size"/> blocks of the output's elements.</summary>
    public static void CheckReduceScatter(torch.Tensor input, torch.Tensor output, ReduceOp op, int size)
    {
        const string Operation = nameof(IProcessGroup.ReduceScatter);
        CheckCpu(input, Operation, nameof(input));
        CheckCpu(output, Operation, nameof(output));
        CheckSameDType(input, output, Operation);
        CheckReducible(input, Operation, nameof(input));
        CheckOp(op);
        if (input.numel() != checked(output.numel() * size))
            throw new ArgumentException(
                $"{Operation}: size mismatch: 'input' has {input.numel()} elements, but {size} ranks x {output.numel()} output elements = {output.numel() * size} are reduced.",
                nameof(input));
    }

    private static void CheckOp(ReduceOp op)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Average))
            throw new ArgumentOutOfRangeException(nameof(op), op, "The reduction must be Sum or Average.");
    }
}
