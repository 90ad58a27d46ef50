namespace ModelGen.SafeTensors;

/// <summary>
/// Base of every error this layer reports about a checkpoint or a read. The message names the file, the key
/// (when there is one) and the rule; the same facts are available as properties.
/// </summary>
public abstract class SafeTensorsException : Exception
{
    /// <summary>Creates the exception; the message is composed from the rule, file, key and detail.</summary>
    protected SafeTensorsException(SafeTensorsRule rule, string filePath, string? key, string detail, Exception? inner)
        : base(Compose(rule, filePath, key, detail), inner)
    {
        Rule = rule;
        FilePath = filePath;
        Key = key;
        Detail = detail;
    }

    /// <summary>The rule that was broken.</summary>
    public SafeTensorsRule Rule { get; }

    /// <summary>The file the problem is in (a .safetensors file, an index, or the folder that was opened).</summary>
    public string FilePath { get; }

    /// <summary>The tensor key concerned, or <see langword="null"/> when the problem is not about one key.</summary>
    public string? Key { get; }

    /// <summary>What exactly was found, without the file, key and rule prefix.</summary>
    public string Detail { get; }

    private static string Compose(SafeTensorsRule rule, string filePath, string? key, string detail) =>
        key is null
            ? $"{filePath}: {rule}: {detail}"
            : $"{filePath}: tensor '{key}': {rule}: {detail}";
}

/// <summary>A .safetensors file breaks one of the format's rules (header, JSON, dtypes, offsets, lengths).</summary>
public sealed class SafeTensorsFormatException : SafeTensorsException
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsFormatException(SafeTensorsRule rule, string filePath, string? key, string detail, Exception? inner = null)
        : base(rule, filePath, key, detail, inner)
    {
    }
}

/// <summary>A checkpoint as a whole is unusable: missing or unreadable files, a broken index, keys that disagree between index and files.</summary>
public sealed class SafeTensorsIndexException : SafeTensorsException
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsIndexException(SafeTensorsRule rule, string filePath, string? key, string detail, Exception? inner = null)
        : base(rule, filePath, key, detail, inner)
    {
    }
}

/// <summary>A tensor cannot be read as asked: unknown key, dtype TorchSharp cannot hold, or an unsuitable destination.</summary>
public sealed class SafeTensorsReadException : SafeTensorsException
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsReadException(SafeTensorsRule rule, string filePath, string? key, string detail, Exception? inner = null)
        : base(rule, filePath, key, detail, inner)
    {
    }
}
