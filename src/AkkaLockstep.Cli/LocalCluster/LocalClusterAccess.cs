using System.Net;
using System.Security.Cryptography;
using AkkaLockstep.Cli.Commands;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Client;
using AkkaLockstep.Gateway;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Host.Api;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>What demo and bench need from the local cluster: start it if needed, manage VMs, read replicas back.</summary>
public sealed class LocalClusterAccess : IDisposable
{
    private ClusterFile _cluster;
    private readonly CliContext _context;

    private LocalClusterAccess(ClusterFile cluster, CliContext context)
    {
        _cluster = cluster;
        _context = context;
        Commands = new CommandEndpointClient(new Uri(cluster.Endpoint), TimeSpan.FromSeconds(15));
    }

    public CommandEndpointClient Commands { get; }

    public IReadOnlyList<string> ClientEndpoints =>
        _cluster.Members.Where(m => m.ClientPort > 0).Select(m => $"{m.Hostname}:{m.ClientPort}").ToArray();

    /// <summary>Starts the local cluster (as `lockstep up` would, with --netns if <paramref name="netns"/>) unless it already runs.</summary>
    public static async Task<LocalClusterAccess> EnsureUpAsync(CliContext context, CancellationToken ct, bool? netns = null,
        int? basePort = null, IReadOnlyList<string>? hostFlags = null)
    {
        var quiet = context with { Output = context.Error };
        if (await UpCommand.RunAsync(basePort, netns, TimeSpan.FromSeconds(90), quiet, ct, hostFlags) != 0)
            throw new CliException("the local cluster did not come up (see the log tails above)");
        return new LocalClusterAccess(ClusterFile.TryLoad(context.Environment.StateDirectory)
                                      ?? throw new CliException("cluster.json missing after `up`"), context);
    }

    public IReadOnlyList<MemberRecord> Members => _cluster.Members;

    /// <summary>The namespaces and bridge when the cluster was started with `up --netns`, else null.</summary>
    public Netns.NetworkPlan? Network => _cluster.Network;

    public MemberRecord Member(string name) =>
        _cluster.Members.FirstOrDefault(m => m.Name == name) ?? throw new CliException($"no member named {name} in the local cluster");

    /// <summary>SIGKILL: the member dies without leaving the cluster or closing its sockets cleanly.</summary>
    public async Task KillAsync(string name, CancellationToken ct)
    {
        var member = Member(name);
        if (!MemberProcess.IsAlive(member)) return;
        using var process = System.Diagnostics.Process.GetProcessById(member.Pid);
        process.Kill();
        await process.WaitForExitAsync(ct);
    }

    /// <summary>Starts a stopped member again with its old settings and data, and records its new PID.</summary>
    public void Restart(string name)
    {
        var member = Member(name);
        if (MemberProcess.IsAlive(member)) return;
        var state = _context.Environment.StateDirectory;
        var launched = MemberProcess.Start(member, PortScheme.Seed(_cluster.Members), Path.GetDirectoryName(Path.GetFullPath(state))!);
        launched.Process.Dispose();
        _cluster = _cluster.With(launched.Member);
        _cluster.Save(state);
    }

    public void Pause(string name)
    {
        if (!PosixSignals.Pause(Member(name).Pid)) throw new CliException($"could not pause {name}");
    }

    public void Resume(string name)
    {
        if (!PosixSignals.Resume(Member(name).Pid)) throw new CliException($"could not resume {name}");
    }

    /// <summary>Sets a member's application-level network cuts through its own command endpoint.</summary>
    public async Task SetFaultsAsync(string name, FaultRequest faults, CancellationToken ct)
    {
        using var endpoint = new CommandEndpointClient(new Uri(Member(name).CommandEndpoint), TimeSpan.FromSeconds(10));
        await endpoint.PostAsync<Host.Faults.FaultState>("local/faults", faults, ct);
    }

    /// <summary>A VM's state as seen by the first host endpoint that answers (any host may be down in a chaos run).</summary>
    public async Task<VmInfo?> TryDescribeAsync(string name, CancellationToken ct)
    {
        foreach (var host in _cluster.Members.Where(m => m.Role == Host.HostOptions.HostRole && MemberProcess.IsAlive(m)))
        {
            try
            {
                using var endpoint = new CommandEndpointClient(new Uri(host.CommandEndpoint), TimeSpan.FromSeconds(3));
                return (await endpoint.GetAsync<VmInfo>($"vms/{CommandEndpointClient.Segment(name)}", ct)).Value;
            }
            catch (CliException)
            {
                // That host is restarting or cut off: ask the next.
            }
        }
        return null;
    }

    /// <summary>Waits until <paramref name="name"/> is duplex as seen from any live host.</summary>
    public Task WaitForDuplexAnywhereAsync(string name, TimeSpan timeout, CancellationToken ct) =>
        WaitUntilAsync(async () => (await TryDescribeAsync(name, ct))?.State == "duplex", timeout, $"{name} duplex", ct);

    /// <summary>
    /// A PostgreSQL gateway in this process on a free loopback port, reaching the cluster through every host's client
    /// endpoint (so it outlives either host), with one user whose password is made up for this run.
    /// </summary>
    /// <param name="owner">Who runs it, for the error: "the demo", "the bench".</param>
    public LockstepGateway StartGateway(string user, string owner, out string password)
    {
        password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        try
        {
            return LockstepGateway.Start(new LockstepGatewayOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                ClusterEndpoints = ClientEndpoints,
                Users = [new PgUser(user, password)],
            });
        }
        catch (GatewayStartException e)
        {
            throw new CliException($"could not start {owner}'s PostgreSQL gateway: {e.Message}");
        }
    }

    public LockstepClient NewClient(TimeSpan requestTimeout) =>
        new(new LockstepClientOptions { Endpoints = ClientEndpoints, RequestTimeout = requestTimeout });

    public async Task<VmInfo?> FindVmAsync(string name, CancellationToken ct)
    {
        var list = await Commands.GetAsync<List<VmInfo>>("vms", ct);
        return list.Value.FirstOrDefault(v => v.Name == name);
    }

    /// <summary>
    /// Protects <paramref name="name"/> afresh (removing an old VM of that name first) with guest <paramref name="kind"/>
    /// and waits for <paramref name="ready"/>.
    /// </summary>
    public async Task ProtectFreshAsync(string name, IReadOnlyList<string>? hosts, string ready, CancellationToken ct, string kind = "kv")
    {
        if (await FindVmAsync(name, ct) is not null) await UnprotectAsync(name, ct);
        await ProtectAsync(name, kind, hosts, ct);
        await WaitForStateAsync(name, ready, ct);
    }

    /// <summary>Protects <paramref name="name"/> as a <paramref name="kind"/> VM unless it exists; refuses one of another kind (its commands would not fit).</summary>
    public async Task EnsureProtectedAsync(string name, string kind, CancellationToken ct)
    {
        if (await FindVmAsync(name, ct) is { } existing && existing.Kind != kind)
            throw new CliException($"VM '{name}' exists with kind {existing.Kind}, but this needs a {kind} VM; remove it first: lockstep vm unprotect {name}");
        await ProtectAsync(name, kind, null, ct);
        await WaitForStateAsync(name, "duplex", ct);
    }

    /// <summary>
    /// Right after `up` the placement coordinator (a cluster singleton) may still be starting and answer 503: ask
    /// again until the VM exists. Looking first keeps a request that timed out but did succeed from being refused
    /// as a duplicate.
    /// </summary>
    private Task ProtectAsync(string name, string kind, IReadOnlyList<string>? hosts, CancellationToken ct) =>
        WaitUntilAsync(async () =>
        {
            if (await FindVmAsync(name, ct) is null) await Commands.PostAsync<VmInfo>("vms", new ProtectRequest(name, kind, hosts), ct);
            return true;
        }, TimeSpan.FromSeconds(60), $"{name} protected", ct);

    public async Task UnprotectAsync(string name, CancellationToken ct)
    {
        await Commands.DeleteAsync($"vms/{CommandEndpointClient.Segment(name)}", ct);
        // Give both hosts time to stop and delete their replicas before the name is reused.
        await WaitUntilAsync(async () => await FindVmAsync(name, ct) is null, TimeSpan.FromSeconds(30), $"{name} removed", ct);
        await Task.Delay(1000, ct);
    }

    public Task WaitForStateAsync(string name, string state, CancellationToken ct) =>
        WaitUntilAsync(async () => (await Commands.GetAsync<VmInfo>($"vms/{CommandEndpointClient.Segment(name)}", ct)).Value.State == state,
            TimeSpan.FromSeconds(90), $"{name} {state}", ct);

    /// <summary>Both replicas' kv state, read from each host's own command endpoint once they applied the same index.</summary>
    public async Task<(KvGuest First, KvGuest Second, bool Identical, long AppliedIndex)> ReadBothAsync(string name, CancellationToken ct)
    {
        var (a, b, applied) = await ReadBothSnapshotsAsync(name, ct);
        return (RestoreKv(a), RestoreKv(b), a.AsSpan().SequenceEqual(b), applied);
    }

    /// <summary>
    /// Both replicas' guest snapshots (any kind), read from each host's own command endpoint once they applied the
    /// same index, in the order of the VM's hosts.
    /// </summary>
    public async Task<(byte[] First, byte[] Second, long AppliedIndex)> ReadBothSnapshotsAsync(string name, CancellationToken ct)
    {
        var vm = await TryDescribeAsync(name, ct) ?? throw new CliException($"no host answers about {name}");
        ReplicaDump? a = null, b = null;
        await WaitUntilAsync(async () =>
        {
            a = await ReadDumpAsync(name, vm.Hosts[0], ct);
            b = await ReadDumpAsync(name, vm.Hosts[1], ct);
            return a.AppliedIndex == b.AppliedIndex;
        }, TimeSpan.FromSeconds(30), $"{name}'s replicas at the same index", ct);
        return (Convert.FromBase64String(a!.SnapshotBase64), Convert.FromBase64String(b!.SnapshotBase64), a.AppliedIndex);
    }

    /// <summary>The kv state of whichever of the VM's replicas answers, the primary's first.</summary>
    public async Task<KvGuest> ReadAnyAsync(string name, CancellationToken ct)
    {
        var vm = await TryDescribeAsync(name, ct) ?? throw new CliException($"no host answers about {name}");
        CliException? last = null;
        foreach (var host in vm.Hosts.OrderBy(h => h == vm.Primary ? 0 : 1))
        {
            try
            {
                return RestoreKv(Convert.FromBase64String((await ReadDumpAsync(name, host, ct)).SnapshotBase64));
            }
            catch (CliException e)
            {
                last = e;
            }
        }
        throw last ?? new CliException($"{name} has no replica");
    }

    private async Task<ReplicaDump> ReadDumpAsync(string name, string host, CancellationToken ct)
    {
        using var endpoint = new CommandEndpointClient(new Uri(_cluster.Members.Single(m => m.Name == host).CommandEndpoint));
        return (await endpoint.GetAsync<ReplicaDump>($"vms/{CommandEndpointClient.Segment(name)}/local/dump", ct)).Value;
    }

    private static KvGuest RestoreKv(byte[] snapshot)
    {
        var guest = new KvGuest();
        guest.Restore(snapshot);
        return guest;
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (CliException e)
            {
                last = e.Message;
            }
            await Task.Delay(250, ct);
        }
        throw new CliException($"timed out waiting for {what}{(last is null ? "" : $" ({last})")}");
    }

    public void Dispose() => Commands.Dispose();
}
