using TorchSharp;

namespace ModelGen.Distributed;

/// <summary>
/// The contiguous CPU tensor a collective reads or writes in place of the caller's: the caller's own tensor when it is
/// already contiguous and of the working dtype, otherwise a copy (converted to the working dtype) that
/// <see cref="CopyBack"/> writes back.
/// </summary>
internal sealed class StagedTensor : IDisposable
{
    private readonly torch.Tensor _original;
    private readonly bool _isCopy;

    private StagedTensor(torch.Tensor original, torch.Tensor working, bool isCopy)
    {
        _original = original;
        Working = working;
        _isCopy = isCopy;
    }

    /// <summary>The contiguous tensor to hand to MPI.</summary>
    public torch.Tensor Working { get; }

    /// <summary>Working holds the original's values, in <paramref name="dtype"/> (the original's own when null).</summary>
    public static StagedTensor WithValues(torch.Tensor original, torch.ScalarType? dtype = null)
    {
        torch.ScalarType working = dtype ?? original.dtype;
        if (original.is_contiguous() && original.dtype == working)
            return new StagedTensor(original, original, isCopy: false);
        using var noGrad = torch.no_grad();
        using torch.Tensor contiguous = original.contiguous();
        return new StagedTensor(original, contiguous.to(working), isCopy: true);
    }

    /// <summary>Working is only written: a fresh buffer when the original cannot be written in place.</summary>
    public static StagedTensor ForOutput(torch.Tensor original, torch.ScalarType? dtype = null)
    {
        torch.ScalarType working = dtype ?? original.dtype;
        if (original.is_contiguous() && original.dtype == working)
            return new StagedTensor(original, original, isCopy: false);
        return new StagedTensor(original, torch.empty(original.shape, working, torch.CPU), isCopy: true);
    }

    /// <summary>Writes Working into the original (converting back) when they are not the same tensor.</summary>
    public void CopyBack()
    {
        if (!_isCopy) return;
        using var noGrad = torch.no_grad();
        _original.copy_(Working);
    }

    public void Dispose()
    {
        if (_isCopy) Working.Dispose();
    }
}
