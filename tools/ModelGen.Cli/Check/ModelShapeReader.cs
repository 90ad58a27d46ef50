using System.Reflection;
using ModelGen.Loading;
using ModelGen.Mapping;
using TorchSharp;

namespace ModelGen.Cli.Check;

/// <summary>One concrete key of a model built on the meta device: its pattern, shape and element type.</summary>
internal sealed record SlotShape(string Key, string Pattern, long[] Shape, string ScalarType, string? TiedTo, bool Computed);

/// <summary>The slots of a built model, or why the model could not be built.</summary>
internal sealed record ModelShapes(IReadOnlyList<SlotShape>? Slots, string? NotChecked);

/// <summary>
/// Builds a model on the meta device, as the loader does (no memory, no initialization), and reads every slot's
/// actual shape and dtype through its generated glue. Needs a way to construct it (see <see cref="ModelConstructorResolver"/>)
/// and a loadable libtorch.
/// </summary>
internal static class ModelShapeReader
{
    public static ModelShapes Read(Type type, ModelConstructor constructor)
    {
        if (constructor.Create is not { } create)
            return new(null, constructor.NotChecked);
        object built;
        try
        {
            built = MetaConstruction.Build(create);
        }
        catch (TargetInvocationException e)
        {
            return new(null, $"building {type.FullName} on the meta device failed: {(e.InnerException ?? e).Message}");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or EntryPointNotFoundException)
        {
            return new(null, $"libtorch could not be loaded ({e.GetBaseException().Message}); run the tool where the model's build output (with its native libraries) is");
        }
        try
        {
            if (built is not IShardedModel model)
                return new(null, $"{type.FullName} is not a generated IShardedModel module");
            var slots = new List<SlotShape>();
            foreach (TensorSlot slot in model.GetTensorSlots())
            {
                torch.Tensor? tensor = slot.Get();
                if (tensor is null) continue;
                slots.Add(new SlotShape(slot.Key, slot.Pattern, tensor.shape, tensor.dtype.ToString(), slot.TiedTo, slot.Computed));
            }
            return new(slots, null);
        }
        finally
        {
            (built as IDisposable)?.Dispose();
        }
    }
}
