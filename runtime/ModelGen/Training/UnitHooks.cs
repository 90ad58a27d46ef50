using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Training;

/// <summary>
/// The typed forward hooks and direct forward calls of training units: a unit's output is replaced after it ran (by
/// the recomputing autograd function), which needs the hook typed by the module's inputs. Units take one to three
/// tensors and return one, as decoder layers do (Llama's take the hidden states and the rotary cos and sin).
/// </summary>
internal static class UnitHooks
{
    /// <summary>Whether <paramref name="module"/>'s forward has a shape a training unit can take (one to three tensors in, one out).</summary>
    public static bool Supports(torch.nn.Module module) => module is torch.nn.Module<torch.Tensor, torch.Tensor>
        or torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor>
        or torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor>;

    public static IDisposable RegisterAfter(ShardedTraining.TrainingUnit unit, Func<torch.Tensor[], torch.Tensor, torch.Tensor?> after) => unit.Module switch
    {
        torch.nn.Module<torch.Tensor, torch.Tensor> one =>
            Removal(one.register_forward_hook((_, a, result) => after([a], result)!).remove),
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> two =>
            Removal(two.register_forward_hook((_, a, b, result) => after([a, b], result)!).remove),
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor> three =>
            Removal(three.register_forward_hook((_, a, b, c, result) => after([a, b, c], result)!).remove),
        _ => throw Unsupported(unit),
    };

    /// <summary>The unit's forward on <paramref name="inputs"/>, without hooks.</summary>
    public static torch.Tensor Forward(ShardedTraining.TrainingUnit unit, torch.Tensor[] inputs) => unit.Module switch
    {
        torch.nn.Module<torch.Tensor, torch.Tensor> one => one.forward(inputs[0]),
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor> two => two.forward(inputs[0], inputs[1]),
        torch.nn.Module<torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor> three => three.forward(inputs[0], inputs[1], inputs[2]),
        _ => throw Unsupported(unit),
    };

    private static InvalidOperationException Unsupported(ShardedTraining.TrainingUnit unit) => new(
        $"Unit '{unit.Unit.Name}' ({unit.Module.GetType().Name}) cannot be trained sharded: its forward must take one to three tensors and return one tensor. Name other modules as units ({nameof(ShardedTrainingOptions)}.{nameof(ShardedTrainingOptions.Units)}).");

    private static ForwardHooks.Removal Removal(Action remove) => new(remove);
}
