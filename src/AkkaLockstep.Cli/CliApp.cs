using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using AkkaLockstep.Cli.Commands;

namespace AkkaLockstep.Cli;

/// <summary>The `lockstep` command tree and how it is run.</summary>
public static class CliApp
{
    /// <summary>How long host and witness get after SIGINT/SIGTERM to leave the cluster before the process ends anyway.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(15);

    public static RootCommand Build(CliEnvironment environment)
    {
        var root = new RootCommand("AkkaLockstep: protected VMs replicated in lockstep on two hosts, with a witness.")
        {
            HelpName = "lockstep",
        };
        root.Subcommands.Add(HostCommands.Create(Host.HostOptions.HostRole, environment));
        root.Subcommands.Add(HostCommands.Create(Host.HostOptions.WitnessRole, environment));
        root.Subcommands.Add(GatewayCommand.Create(environment));
        root.Subcommands.Add(UpCommand.Create(environment));
        root.Subcommands.Add(DownCommand.Create(environment));
        root.Subcommands.Add(ClusterCommands.Create(environment));
        root.Subcommands.Add(VmCommands.Create(environment));
        root.Subcommands.Add(DiskCommands.Create(environment));
        root.Subcommands.Add(ExperimentCommands.CreateDemo(environment));
        root.Subcommands.Add(ExperimentCommands.CreateBench(environment));
        root.Subcommands.Add(ExperimentCommands.CreateChaos(environment));
        return root;
    }

    /// <param name="invocation">Output writers and signal handling; tests pass their own.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliEnvironment environment,
        InvocationConfiguration? invocation = null, CancellationToken ct = default)
    {
        invocation ??= new InvocationConfiguration { ProcessTerminationTimeout = ShutdownGrace };
        var parse = Build(environment).Parse(args);
        if (parse.Action is not ParseErrorAction onError) return await parse.InvokeAsync(invocation, ct);

        // A usage error prints the error and where to get help, not the whole help text.
        onError.ShowHelp = false;
        var exitCode = await parse.InvokeAsync(invocation, ct);
        await invocation.Error.WriteLineAsync($"See: {CommandPath(parse.CommandResult)} --help");
        return exitCode;
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Command is RootCommand ? "lockstep" : c.Command.Name);
        names.Reverse();
        return string.Join(" ", names);
    }
}
