namespace ModelGen.Loading;

/// <summary>After loading, some parameters or buffers are still meta placeholders (or null): the model is not usable.</summary>
public sealed class LoadIncompleteException : Exception
{
    /// <summary>Creates the exception naming what is left.</summary>
    public LoadIncompleteException(string model, IReadOnlyList<string> keys)
        : base($"{model}: {keys.Count} tensor(s) are still on the meta device after loading: {string.Join(", ", keys.Take(20))}{(keys.Count > 20 ? ", ..." : "")}. " +
               "Give them to the checkpoint, an initializer, or a computed-buffer hook.")
    {
        Model = model;
        Keys = keys;
    }

    /// <summary>The model type.</summary>
    public string Model { get; }

    /// <summary>The keys still on the meta device.</summary>
    public IReadOnlyList<string> Keys { get; }
}
