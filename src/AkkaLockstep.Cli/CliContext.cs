namespace AkkaLockstep.Cli;

/// <summary>What a command handler works with: its environment and where its output goes.</summary>
public sealed record CliContext(CliEnvironment Environment, TextWriter Output, TextWriter Error);
