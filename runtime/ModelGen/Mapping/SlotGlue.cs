using TorchSharp;
using TorchSharp.Modules;

namespace ModelGen.Mapping;

/// <summary>Small helpers the generated glue calls when it puts a tensor into a module.</summary>
public static class SlotGlue
{
    /// <summary>
    /// Returns <paramref name="tensor"/> as a <c>Parameter</c>: the same object when it already is one, otherwise a
    /// parameter that takes over its handle, with <c>requires_grad</c> copied from the tensor it replaces.
    /// </summary>
    public static Parameter ToParameter(torch.Tensor tensor, torch.Tensor? replaced)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor as Parameter ?? new Parameter(tensor, replaced?.requires_grad ?? true);
    }
}
