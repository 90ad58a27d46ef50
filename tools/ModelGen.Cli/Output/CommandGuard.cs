using ModelGen.SafeTensors;

namespace ModelGen.Cli.Output;

/// <summary>Runs a command body and turns the errors a checkpoint can cause into a reported <see cref="CommandFailure"/>.</summary>
internal static class CommandGuard
{
    public static int Run(CliConsole console, string command, bool json, Func<int> body)
    {
        CommandFailure failure;
        try
        {
            return body();
        }
        catch (CommandFailureException e)
        {
            failure = e.Failure;
        }
        catch (SafeTensorsException e)
        {
            failure = CommandFailure.From(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            failure = new CommandFailure(e is InvalidDataException ? "InvalidData" : "FileUnreadable", null, null, e.Message, ExitCodes.Failed);
        }
        failure.Report(console, command, json);
        return failure.ExitCode;
    }
}

/// <summary>Carries a <see cref="CommandFailure"/> out of a command body.</summary>
internal sealed class CommandFailureException(CommandFailure failure) : Exception(failure.Detail)
{
    public CommandFailure Failure { get; } = failure;
}
