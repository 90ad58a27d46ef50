namespace ModelGen.Examples.Running;

/// <summary>
/// A setting that cannot work with this job (for example a global batch the ranks cannot split evenly). Every rank
/// sees the same settings and the same rank count, so every rank throws it alike.
/// </summary>
public sealed class ExampleSettingsException : Exception
{
    /// <summary>Creates the error with <paramref name="message"/>, which names the settings involved.</summary>
    public ExampleSettingsException(string message) : base(message) { }

    /// <summary>Creates an empty error (for serializers).</summary>
    public ExampleSettingsException() { }

    /// <summary>Creates the error with <paramref name="message"/> and its cause.</summary>
    public ExampleSettingsException(string message, Exception innerException) : base(message, innerException) { }
}
