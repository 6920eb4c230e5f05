using Akka.Actor;
using Akka.Cluster;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Host.Cluster.Downing;
using AkkaLockstep.Host.Faults;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Endpoints;

/// <summary>The command endpoint's view of the cluster, answered from this node's actors.</summary>
public sealed class ClusterCommandApi(ActorSystem system, HostDirectory directory, IActorRef placementCoordinator) : ICommandApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    public HealthInfo GetHealth()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        return new HealthInfo("ok", cluster.SelfMember.Status == MemberStatus.Up ? DowningPaths.MemberId(cluster.SelfUniqueAddress) : null);
    }

    public FaultState GetFaults() => directory.Faults.State;

    public FaultState SetFaults(FaultRequest request)
    {
        if ((request.Cut ?? []).Contains(directory.Self)) throw new CommandException(400, $"{directory.Self} cannot be cut from itself");
        directory.Faults.Set(request.Cut ?? [], request.Isolate);
        return directory.Faults.State;
    }

    public Task<ClusterView> GetClusterAsync(CancellationToken ct)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members.Select(m =>
        {
            var entry = HostDirectory.FromRoles(m.Address, m.Roles);
            return new MemberInfo(entry?.Name ?? m.Address.ToString(), m.Address.ToString(),
                m.Roles.Where(r => r is HostOptions.HostRole or HostOptions.WitnessRole).ToArray(), m.Status.ToString(),
                !state.Unreachable.Contains(m), entry?.ClientEndpoint, entry?.CommandEndpoint);
        }).OrderBy(m => m.Name, StringComparer.Ordinal).ToArray();
        var leader = state.Leader is { } address ? members.FirstOrDefault(m => m.Address == address.ToString())?.Name : null;
        return Task.FromResult(new ClusterView(directory.Self, members, leader));
    }

    public async Task<IReadOnlyList<VmInfo>> ListVmsAsync(CancellationToken ct)
    {
        var vms = directory.Placement.Vms.OrderBy(v => v.Name, StringComparer.Ordinal).ToArray();
        return await Task.WhenAll(vms.Select(vm => DescribeAsync(vm))).ConfigureAwait(false);
    }

    public async Task<VmInfo> GetVmAsync(string name, CancellationToken ct) =>
        directory.Placement.Find(name) is { } vm ? await DescribeAsync(vm).ConfigureAwait(false) : throw UnknownVm(name);

    public async Task<VmInfo> ProtectAsync(ProtectRequest request, CancellationToken ct)
    {
        var command = new ProtectVmCommandProto { Name = request.Name ?? "", Kind = request.Kind ?? "" };
        if (request.Hosts is not null) command.Hosts.AddRange(request.Hosts);
        var result = await AskCoordinator(command).ConfigureAwait(false);
        var vm = result.Vm.FromProto();
        return new VmInfo(vm.Name, vm.Kind, vm.Hosts, null, 0, "starting", []);
    }

    public async Task UnprotectAsync(string name, CancellationToken ct) =>
        await AskCoordinator(new UnprotectVmCommandProto { Name = name }).ConfigureAwait(false);

    public async Task<ReplicaInfo> GetLocalReplicaAsync(string name, CancellationToken ct)
    {
        if (directory.Placement.Find(name) is null) throw UnknownVm(name);
        return ToInfo(await AskReplicaStatus(directory.Self, name).ConfigureAwait(false));
    }

    public async Task<ReplicaDump> DumpLocalReplicaAsync(string name, CancellationToken ct)
    {
        if (directory.Placement.Find(name) is null) throw UnknownVm(name);
        var replica = directory.LocalReplica(name) ?? throw new CommandException(404, $"{directory.Self} holds no replica of '{name}'");
        var dump = await replica.Ask<DumpResponse>(DumpRequest.Instance, AskTimeout).ConfigureAwait(false);
        return new ReplicaDump(name, directory.Self, dump.AppliedIndex, dump.Kind, Convert.ToBase64String(dump.GuestSnapshot));
    }

    public async Task<ForcedReplica> ForceSimplexAsync(string name, CancellationToken ct)
    {
        if (directory.Placement.Find(name) is null) throw UnknownVm(name);
        var replica = directory.LocalReplica(name) ?? throw new CommandException(409, $"{directory.Self} holds no replica of '{name}'");
        ForceSimplexOutcome outcome;
        try
        {
            outcome = await replica.Ask<ForceSimplexOutcome>(ForceSimplexRequest.Instance, CommandTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CommandException(503, $"the replica of '{name}' on {directory.Self} did not answer in time; " +
                                            $"see its state with `lockstep vm show {name}` before trying again");
        }
        // The reason speaks of "this replica": the caller addressed this host's replica of this VM.
        if (!outcome.Accepted) throw new CommandException(409, outcome.Reason ?? "refused");
        return new ForcedReplica(name, directory.Self, outcome.Epoch, outcome.State);
    }

    public async Task<Verification> VerifyAsync(string name, CancellationToken ct)
    {
        if (directory.Placement.Find(name) is null) throw UnknownVm(name);
        var replica = directory.LocalReplica(name) ?? throw new CommandException(409, $"{directory.Self} holds no replica of '{name}'");
        VerifyOutcome outcome;
        try
        {
            outcome = await replica.Ask<VerifyOutcome>(VerifyRequest.Instance, CommandTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CommandException(503, $"the replica of '{name}' on {directory.Self} did not sequence the verify input in time");
        }
        if (outcome.Error is { } error) throw new CommandException(409, error);
        return new Verification(name, directory.Self, outcome.Index, Convert.ToHexString(outcome.Digest).ToLowerInvariant());
    }

    private async Task<VmInfo> DescribeAsync(VmPlacement vm)
    {
        var replicas = await Task.WhenAll(vm.Hosts.Select(h => AskReplicaStatus(h, vm.Name))).ConfigureAwait(false);
        var infos = replicas.Select(ToInfo).ToArray();
        var primary = infos.FirstOrDefault(r => r.Role == "primary");
        var state = infos.Any(r => r.State == "diverged") ? "diverged"
            : vm.Unprotected ? infos[0].State
            : primary is { State: "duplex" } && infos.Any(r => r.Role == "secondary") ? "duplex"
            : primary is { State: "simplex" or "forced-simplex" or "resyncing" } ? primary.State
            : primary is not null ? "degraded"
            : "forming";
        return new VmInfo(vm.Name, vm.Kind, vm.Hosts, primary?.Host, infos.Max(r => r.Epoch), state, infos);
    }

    private async Task<ReplicaStatusProto> AskReplicaStatus(string host, string vm)
    {
        var request = new ReplicaStatusRequestProto { Vm = vm };
        try
        {
            if (host == directory.Self)
            {
                var local = system.ActorSelection("/user/replicas");
                return await local.Ask<ReplicaStatusProto>(request, AskTimeout).ConfigureAwait(false);
            }
            var remote = directory.PeerManager(host);
            if (remote is null) return Unreachable(host, vm);
            return await remote.Ask<ReplicaStatusProto>(request, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return Unreachable(host, vm);
        }
    }

    private static ReplicaStatusProto Unreachable(string host, string vm) =>
        new() { Vm = vm, Host = host, Exists = false, Role = "unknown", State = "unreachable" };

    private static ReplicaInfo ToInfo(ReplicaStatusProto s) =>
        new(s.Vm, s.Host, string.IsNullOrEmpty(s.Role) ? "unknown" : s.Role, s.State, s.Epoch, s.LastIndex, s.CommitIndex,
            s.AppliedIndex, s.HashChain, s.Digest, s.VerifiedIndex,
            s.Resyncing ? new ResyncInfo(s.ResyncPercent, s.LagInputs, s.LagBytes, s.ResyncInputsPerSecond, s.ResyncEtaSeconds < 0 ? null : s.ResyncEtaSeconds) : null,
            s.Exists ? new DiskInfo(s.DiskIndex, s.DiskBytes, s.DiskDigest, string.IsNullOrEmpty(s.DiskError) ? null : s.DiskError) : null,
            s.DigestIndex);

    private async Task<PlacementCommandResultProto> AskCoordinator(object command)
    {
        PlacementCommandResultProto result;
        try
        {
            result = await placementCoordinator.Ask<PlacementCommandResultProto>(command, CommandTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CommandException(503, "the placement coordinator did not answer in time (is a host up?)");
        }
        if (!result.Ok) throw new CommandException(result.StatusCode == 0 ? 400 : result.StatusCode, result.Error);
        return result;
    }

    private static CommandException UnknownVm(string name) => new(404, $"unknown VM '{name}'");
}
