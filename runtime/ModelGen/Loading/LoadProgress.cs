namespace ModelGen.Loading;

/// <summary>Progress of a load, reported after each tensor.</summary>
/// <param name="Key">The checkpoint key just put in place.</param>
/// <param name="TensorsDone">Tensors loaded or initialized so far.</param>
/// <param name="TensorsTotal">Tensors to load or initialize in all.</param>
/// <param name="BytesDone">Bytes put in place so far on this rank.</param>
/// <param name="BytesTotal">Bytes this rank ends up holding.</param>
public readonly record struct LoadProgress(string Key, int TensorsDone, int TensorsTotal, long BytesDone, long BytesTotal);
