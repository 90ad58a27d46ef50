using System.Reflection;

namespace ModelGen.Sharding;

/// <summary>TorchSharp's module-level forward hooks, registered on the module's generic base, whose type arguments vary by module.</summary>
internal static class ForwardHooks
{
    public static IDisposable Register(TorchSharp.torch.nn.Module module, bool pre, Action<TorchSharp.torch.nn.Module> hook)
    {
        string name = pre ? "register_forward_pre_hook" : "register_forward_hook";
        MethodInfo method = module.GetType().GetMethod(name, [typeof(Action<TorchSharp.torch.nn.Module>)])
            ?? throw new InvalidOperationException($"{module.GetType().Name} has no forward hooks (it is not a Module<...> with a forward method), so it cannot be a sharded unit.");
        return Removal.Of(method.Invoke(module, [hook])!);
    }

    /// <summary>Calls the <c>remove()</c> of a TorchSharp hook remover once.</summary>
    internal sealed class Removal(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public static Removal Of(object remover)
        {
            MethodInfo removeMethod = remover.GetType().GetMethod("remove", Type.EmptyTypes)!;
            return new Removal(() => removeMethod.Invoke(remover, null));
        }

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }
}
