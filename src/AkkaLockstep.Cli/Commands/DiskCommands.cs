using System.CommandLine;
using System.Text.Json;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Cli.Output;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep disk status`: every replica's disk (applied index, digest, disk file) and the resync of any that lags.</summary>
internal static class DiskCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var disk = new Command("disk", "Inspect the replicas' disks.");
        var status = new Command("status", "Each VM's replicas: state, applied index, digest, disk file (index, size), and resync progress (percent, lag, ETA).");
        var (endpoint, json) = VmCommands.AddEndpointOptions(status);
        status.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var vms = (await client.GetAsync<List<VmInfo>>("vms", ct)).Value.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
            var rows = vms.SelectMany(v => v.Replicas.OrderBy(r => r.Host, StringComparer.Ordinal).Select(r => Row(v, r))).ToList();
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(rows, CliJson.Options));
                return 0;
            }
            if (rows.Count == 0)
            {
                await context.Output.WriteLineAsync("no protected VMs");
                return 0;
            }
            var table = new Table("VM", "HOST", "ROLE", "STATE", "APPLIED", "DIGEST", "DISK", "LAG", "RESYNC");
            foreach (var r in rows)
                table.Add(r.Vm, r.Host, r.Role, r.State, r.AppliedIndex.ToString(), r.Digest.Length > 12 ? r.Digest[..12] : r.Digest,
                    r.Disk switch
                    {
                        null => "-",
                        { Error: not null } => "LOST (being rebuilt)",
                        { } d => $"@{d.Index}, {ResyncText.Bytes(d.Bytes)}",
                    },
                    r.Resync is { } lag ? $"{lag.LagInputs} inputs, {ResyncText.Bytes(lag.LagBytes)}" : "-",
                    r.Resync is { } resync ? $"{resync.Percent:0.0}% ETA {(resync.EtaSeconds is { } eta ? $"{eta:0.0} s" : "unknown")}" : "-");
            table.WriteTo(context.Output);
            return 0;
        });
        disk.Subcommands.Add(status);
        return disk;
    }

    /// <summary>The resync of a primary's peer is shown on the peer's row: that is the disk catching up.</summary>
    private static DiskRow Row(VmInfo vm, ReplicaInfo replica)
    {
        var primary = vm.Replicas.FirstOrDefault(r => r.Role == "primary");
        var resync = replica.Role != "primary" ? primary?.Resync : null;
        var state = resync is not null ? "resyncing" : replica.State;
        return new DiskRow(vm.Name, replica.Host, replica.Role, state, replica.AppliedIndex, replica.Digest, replica.Disk, resync);
    }

    private sealed record DiskRow(string Vm, string Host, string Role, string State, long AppliedIndex, string Digest, DiskInfo? Disk,
        ResyncInfo? Resync);
}
