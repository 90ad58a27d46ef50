namespace ModelGen.Saving;

/// <summary>Progress of a save, reported on rank 0 after each tensor is written.</summary>
/// <param name="Key">The key just written.</param>
/// <param name="File">The shard file (final name) it was written to.</param>
/// <param name="TensorsDone">Tensors written so far.</param>
/// <param name="TensorsTotal">Tensors to write in all.</param>
/// <param name="BytesDone">Tensor bytes written so far.</param>
/// <param name="BytesTotal">Tensor bytes to write in all.</param>
public readonly record struct SaveProgress(string Key, string File, int TensorsDone, int TensorsTotal, long BytesDone, long BytesTotal);
