namespace ModelGen;

/// <summary>
/// What happens to a parameter or buffer the checkpoint lacks and the model does not declare new (with
/// <see cref="InitializerAttribute"/> or <see cref="ComputedBufferAttribute"/>). The build and the load follow the same
/// value: the generator writes the effective policy into the model's key table and the loader reads it from there.
/// </summary>
public enum MissingKeyPolicy
{
    /// <summary>
    /// The default. The build reports MG0007 as an error at the member, and the load throws
    /// <see cref="Loading.CheckpointMismatchException"/> on every rank listing every missing key; nothing is
    /// silently random-initialized.
    /// </summary>
    Refuse,

    /// <summary>The build reports MG0007 as a warning; the load initializes the tensor once and lists it in <see cref="Loading.LoadReport.InitializedKeys"/>.</summary>
    Initialize,
}
