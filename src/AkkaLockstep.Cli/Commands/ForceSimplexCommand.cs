using System.CommandLine;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep vm force-simplex NAME --yes [--host H]`: make a replica that lost both its peer and the witness serve
/// alone. Each host's command endpoint forces only its own replica, so the command finds the hosts' endpoints
/// through the one it reaches and stops at the first replica that accepts.
/// </summary>
internal static class ForceSimplexCommand
{
    private static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(15);

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("force-simplex",
            "Make a VM's replica serve alone after it lost both its peer and the witness. Risks split brain: see docs/operations.md.");
        var name = VmCommands.NameArgument();
        var yes = new Option<bool>("--yes")
        {
            Description = "Confirm that the other replica is not serving (its host is down): otherwise both serve and the VM splits",
        };
        var host = new Option<string?>("--host")
        {
            Description = "The host whose replica to force (default: each host of the VM in turn, the endpoint's own first, until one accepts)",
            HelpName = "HOST",
        };
        command.Arguments.Add(name);
        command.Options.Add(yes);
        command.Options.Add(host);
        var (endpoint, json) = VmCommands.AddEndpointOptions(command);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            var vmName = parse.GetValue(name)!;
            if (!parse.GetValue(yes)) throw new CliException(NeedsConfirmation(vmName));
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var vm = (await client.GetAsync<VmInfo>($"vms/{CommandEndpointClient.Segment(vmName)}", ct)).Value;
            var only = parse.GetValue(host);
            if (only is not null && !vm.Hosts.Contains(only))
                throw new CliException($"{vmName} has no replica on '{only}'; its hosts are {string.Join(", ", vm.Hosts)}");
            var cluster = (await client.GetAsync<ClusterView>("cluster", ct)).Value;
            var targets = only is not null ? [only] : vm.Hosts.OrderBy(h => h == cluster.Self ? 0 : 1).ToArray();

            var refusals = new List<string>();
            foreach (var target in targets)
            {
                JsonReply<ForcedReplica> reply;
                try
                {
                    reply = await ForceOnAsync(target, vmName, client, cluster, ct);
                }
                catch (CliException e)
                {
                    refusals.Add($"{target}: {e.Message}");
                    continue;
                }
                foreach (var refusal in refusals) await context.Error.WriteLineAsync($"not forced on {refusal}");
                if (parse.GetValue(json)) await context.Output.WriteLineAsync(reply.Raw);
                else await context.Output.WriteLineAsync(Describe(reply.Value));
                return 0;
            }
            throw new CliException($"no replica of {vmName} was forced:{string.Concat(refusals.Select(r => "\n  " + r))}");
        });
        return command;
    }

    private static string NeedsConfirmation(string vm) =>
        $"force-simplex needs --yes. Forcing makes one replica of {vm} serve alone without the witness. If the other " +
        "replica is still serving (its host is up but cut off from this one and from the witness), both accept writes " +
        "and the VM splits into two copies that cannot be merged. Check that the other replica's host is down " +
        $"(lockstep vm show {vm}, lockstep cluster show), then run: lockstep vm force-simplex {vm} --yes";

    /// <summary>Asks <paramref name="target"/>'s own command endpoint: the one reached already, or the one it announces.</summary>
    private static async Task<JsonReply<ForcedReplica>> ForceOnAsync(string target, string vm, CommandEndpointClient reached,
        ClusterView cluster, CancellationToken ct)
    {
        var path = $"vms/{CommandEndpointClient.Segment(vm)}/force-simplex";
        if (target == cluster.Self) return await reached.PostAsync<ForcedReplica>(path, ct);
        using var other = new CommandEndpointClient(MemberEndpoint.Of(target, cluster), HostTimeout);
        return await other.PostAsync<ForcedReplica>(path, ct);
    }

    private static string Describe(ForcedReplica forced) =>
        $"forced {forced.Vm} on {forced.Host}: it serves alone as primary in epoch {forced.Epoch} ({forced.State}). " +
        $"It becomes an ordinary simplex primary once the witness registers the epoch, and duplex again when the other " +
        $"host returns; follow it with: lockstep vm show {forced.Vm}";
}
