namespace AkkaLockstep.Cli;

/// <summary>A command failed in a way the user should read: the message goes to stderr, the exit code is returned.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
