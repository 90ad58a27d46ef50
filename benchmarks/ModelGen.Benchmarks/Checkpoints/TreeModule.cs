using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Checkpoints;

/// <summary>
/// A module whose state_dict has exactly the given dotted names and shapes, with uninitialized (torch.empty)
/// parameters: the target model a peer loader fills, built without spending time on random initialization.
/// </summary>
internal sealed class TreeModule : nn.Module
{
    private TreeModule(string name) : base(name) { }

    public static TreeModule Build(IEnumerable<(string Name, long[] Shape)> tensors, ScalarType dtype, Device device)
    {
        var root = new TreeModule("root");
        foreach (var (name, shape) in tensors)
        {
            string[] parts = name.Split('.');
            TreeModule parent = root;
            foreach (string part in parts[..^1])
                parent = parent.Child(part);
            parent.register_parameter(parts[^1], new TorchSharp.Modules.Parameter(empty(shape, dtype, device), requires_grad: false));
        }
        return root;
    }

    private TreeModule Child(string name)
    {
        foreach (var (childName, child) in named_children())
            if (childName == name) return (TreeModule)child;
        var created = new TreeModule(name);
        register_module(name, created);
        return created;
    }
}
