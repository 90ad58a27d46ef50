namespace ModelGen.Loading;

/// <summary>Progress of a load, reported after each tensor.</summary>
/// <param name="Key">The checkpoint key just put in place.</param>
/// <param name="TensorsDone">Tensors loaded or initialized so far.</param>
/// <param name="TensorsTotal">Tensors to load or initialize in all.</param>
/// <param name="BytesDone">Bytes of the tensors put in place so far, counted whole (also when each rank holds only its share of them).</param>
/// <param name="BytesTotal">Bytes of every tensor to load or initialize, counted whole.</param>
public readonly record struct LoadProgress(string Key, int TensorsDone, int TensorsTotal, long BytesDone, long BytesTotal);
