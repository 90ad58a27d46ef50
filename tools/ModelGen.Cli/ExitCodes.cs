namespace ModelGen.Cli;

/// <summary>Process exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>The command ran and found nothing wrong.</summary>
    public const int Ok = 0;

    /// <summary>The checkpoint is invalid or unreadable, or does not match the model.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: syntax, a missing argument, or an assembly or model that cannot be used.</summary>
    public const int Usage = 2;
}
