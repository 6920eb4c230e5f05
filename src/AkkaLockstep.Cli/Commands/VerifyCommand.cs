using System.CommandLine;
using System.Text.Json;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep vm verify NAME`: the VM's primary sequences a verify input, so both replicas take the guest's digest at
/// the same index while clients keep writing; the command then waits for the secondary's hash check to pass that
/// index (identical) or to fail (the replicas differ; the primary repairs the secondary with a full copy).
/// </summary>
internal static class VerifyCommand
{
    private static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What `vm verify --json` prints; Verdict is identical, differ or unconfirmed.</summary>
    public sealed record VerifyReport(string Vm, long Index, string Digest, string Primary, string? Secondary, string Verdict,
        long SecondaryVerifiedIndex, string Detail);

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("verify",
            "Compare both replicas' state at the same input index while clients keep writing (repairs a secondary that differs).");
        var name = VmCommands.NameArgument();
        command.Arguments.Add(name);
        var (endpoint, json) = VmCommands.AddEndpointOptions(command);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            var vmName = parse.GetValue(name)!;
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var path = $"vms/{CommandEndpointClient.Segment(vmName)}";
            var vm = (await client.GetAsync<VmInfo>(path, ct)).Value;
            var primary = vm.Primary ?? throw new CliException($"{vmName} has no primary now ({vm.State}); verify needs one");
            var cluster = (await client.GetAsync<ClusterView>("cluster", ct)).Value;
            Verification verification;
            if (primary == cluster.Self)
                verification = (await client.PostAsync<Verification>($"{path}/verify", ct)).Value;
            else
            {
                using var atPrimary = new CommandEndpointClient(MemberEndpoint.Of(primary, cluster), HostTimeout);
                verification = (await atPrimary.PostAsync<Verification>($"{path}/verify", ct)).Value;
            }
            var report = await ConfirmAsync(client, path, vm, verification, ct);
            if (parse.GetValue(json))
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, Output.CliJson.Options));
            else
            {
                await context.Output.WriteLineAsync($"verify {report.Vm}: digest at input {report.Index:N0} is {report.Digest} on {report.Primary} (primary)");
                await context.Output.WriteLineAsync($"  {report.Verdict}: {report.Detail}");
            }
            return report.Verdict == "identical" ? 0 : 1;
        });
        return command;
    }

    private static async Task<VerifyReport> ConfirmAsync(CommandEndpointClient client, string path, VmInfo vm, Verification verification,
        CancellationToken ct)
    {
        var secondaryName = vm.Hosts.FirstOrDefault(h => h != verification.Primary);
        if (secondaryName is null || vm.State is "unprotected")
            return Report("identical", 0, "the VM has one replica: its digest is the whole answer");
        var deadline = DateTime.UtcNow + ConfirmTimeout;
        ReplicaInfo? secondary = null;
        while (DateTime.UtcNow < deadline)
        {
            secondary = (await client.GetAsync<VmInfo>(path, ct)).Value.Replicas.FirstOrDefault(r => r.Host == secondaryName);
            if (secondary is { State: "diverged" })
                return Report("differ", secondary.VerifiedIndex,
                    $"{secondaryName}'s hash chain differs from the primary's; the primary repairs it with a full copy " +
                    $"(follow it with: lockstep vm show {vm.Name})");
            if (secondary is { Role: "secondary" } && secondary.VerifiedIndex >= verification.Index)
                return Report("identical", secondary.VerifiedIndex,
                    $"{secondaryName} (secondary) matched the primary's hash chain at input {secondary.VerifiedIndex:N0}, which covers the digest");
            await Task.Delay(200, ct);
        }
        return Report("unconfirmed", secondary?.VerifiedIndex ?? 0,
            $"{secondaryName} did not confirm input {verification.Index:N0} within {ConfirmTimeout.TotalSeconds:0} s " +
            $"({(secondary is null ? "no answer" : $"{secondary.Role}, {secondary.State}, applied {secondary.AppliedIndex:N0}")}); the VM is not duplex");

        VerifyReport Report(string verdict, long verified, string detail) =>
            new(vm.Name, verification.Index, verification.Digest, verification.Primary, secondaryName, verdict, verified, detail);
    }
}
