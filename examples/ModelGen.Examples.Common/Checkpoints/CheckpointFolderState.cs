namespace ModelGen.Examples.Checkpoints;

/// <summary>What <see cref="CheckpointFolder.Inspect"/> found at a checkpoint path.</summary>
public enum CheckpointFolderState
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,

    /// <summary>A readable folder with neither <c>config.json</c> nor weights (empty, or other files only).</summary>
    NoCheckpointFiles,

    /// <summary>A folder with <c>config.json</c> or weights (complete or not).</summary>
    HasCheckpointFiles,
}
