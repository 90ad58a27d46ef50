using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Mapping;
using ModelGen.Sharding;

namespace ModelGen.Tests.Loading;

/// <summary>Builds a model on the meta device and loads it in one process, with the placement a test asks for.</summary>
internal static class OneProcessLoad
{
    public static T Load<T>(Func<T> create, string path, TensorPlacement placement) where T : IShardedModel
    {
        T model = MetaConstruction.Build(create);
        ShardedLoader.Load(model, path, new LoadOptions { ProcessGroup = ProcessGroups.Single(), Placement = placement });
        return model;
    }
}
