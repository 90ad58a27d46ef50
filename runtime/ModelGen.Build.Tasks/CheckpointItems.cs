using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelGen.Build.Tasks;

/// <summary>What the checkpoint tasks share: the AdditionalFiles contract with the generator.</summary>
internal static class CheckpointItems
{
    /// <summary>The ID of every checkpoint-item error the build step reports (the generator's "checkpoint unreadable").</summary>
    public const string ErrorCode = "MG0010";

    /// <summary>AdditionalFiles metadata naming the [ShardedModel] class a file belongs to.</summary>
    public const string ModelMetadata = "ModelGenModel";

    /// <summary>AdditionalFiles metadata telling what a file is: <see cref="ManifestKind"/> or <see cref="ConfigKind"/>.</summary>
    public const string KindMetadata = "ModelGenKind";

    /// <summary>A checkpoint manifest (key dtype shape lines).</summary>
    public const string ManifestKind = "manifest";

    /// <summary>The model's config.json.</summary>
    public const string ConfigKind = "config";

    /// <summary>An AdditionalFiles item for the generator.</summary>
    public static TaskItem AdditionalFile(string path, string model, string kind)
    {
        var item = new TaskItem(path);
        item.SetMetadata(ModelMetadata, model);
        item.SetMetadata(KindMetadata, kind);
        return item;
    }
}
