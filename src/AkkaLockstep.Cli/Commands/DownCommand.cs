using System.CommandLine;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep down`: stop the local cluster recorded in .lockstep/cluster.json (hosts first, then the witness), then
/// remove its network namespaces, veth pairs and bridge if it was started with --netns.
/// </summary>
internal static class DownCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("down", "Stop the local cluster started by `lockstep up`.");
        var purge = new Option<bool>("--purge") { Description = "Also delete the cluster's data and logs (the whole .lockstep folder)" };
        var grace = new Option<int>("--grace")
        {
            Description = "Seconds a member gets to stop after SIGTERM before it is killed",
            DefaultValueFactory = _ => (int)CliApp.ShutdownGrace.TotalSeconds + 5,
        };
        grace.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--grace must not be negative");
        });
        command.Options.Add(purge);
        command.Options.Add(grace);
        command.SetHandler(environment, (parse, context, _) =>
            RunAsync(parse.GetValue(purge), TimeSpan.FromSeconds(parse.GetValue(grace)), context));
        return command;
    }

    private static async Task<int> RunAsync(bool purge, TimeSpan grace, CliContext context)
    {
        var stateDirectory = context.Environment.StateDirectory;
        var cluster = ClusterFile.TryLoad(stateDirectory);
        // Its members run as root and its namespaces need root to remove: say so before stopping anything.
        if (cluster?.Network is not null) NetnsPrerequisites.Check();
        if (cluster is null)
            await context.Output.WriteLineAsync($"no cluster recorded in {stateDirectory}");
        else
        {
            // Hosts leave while the witness (the seed) is still there to see them go.
            foreach (var group in cluster.Members.GroupBy(m => m.Role == Host.HostOptions.WitnessRole).OrderBy(g => g.Key))
            {
                var outcomes = await Task.WhenAll(group.Select(async m => (m, await MemberProcess.StopAsync(m, grace))));
                foreach (var (member, outcome) in outcomes)
                    await context.Output.WriteLineAsync(Describe(member, outcome, grace));
            }
            if (cluster.Network is { } network)
            {
                var removed = NetworkNamespaces.Destroy(network);
                await context.Output.WriteLineAsync(removed.Count == 0 ? $"network {network.Id} was already gone" : $"removed {string.Join(", ", removed)}");
            }
            ClusterFile.Delete(stateDirectory);
        }

        if (purge && Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
            await context.Output.WriteLineAsync($"deleted {stateDirectory}");
        }
        return 0;
    }

    private static string Describe(MemberRecord m, MemberProcess.StopOutcome outcome, TimeSpan grace) => outcome switch
    {
        MemberProcess.StopOutcome.Stopped => $"stopped {m.Name} (pid {m.Pid})",
        MemberProcess.StopOutcome.Killed => $"killed {m.Name} (pid {m.Pid}): still running {grace.TotalSeconds:0} s after SIGTERM",
        _ => $"{m.Name} (pid {m.Pid}) was not running",
    };
}
