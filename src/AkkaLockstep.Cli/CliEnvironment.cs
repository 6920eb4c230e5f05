namespace AkkaLockstep.Cli;

/// <summary>
/// What the CLI reads from its surroundings, kept in one place so tests can run commands in-process
/// without touching the real environment or the real ./.lockstep.
/// </summary>
/// <param name="GetVariable">Environment variable lookup.</param>
/// <param name="StateDirectory">Where `up` keeps cluster.json, logs and member data (./.lockstep).</param>
public sealed record CliEnvironment(Func<string, string?> GetVariable, string StateDirectory)
{
    /// <summary>Set by the ./lockstep script to the repository's .lockstep, so every command finds the same cluster.</summary>
    public const string StateDirectoryVariable = "LOCKSTEP_STATE_DIR";

    public static CliEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable,
        Path.GetFullPath(Environment.GetEnvironmentVariable(StateDirectoryVariable) is { Length: > 0 } dir ? dir : ".lockstep"));
}
