using System.Collections.Concurrent;
using Akka.Actor;
using AkkaLockstep.Host.Faults;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host;

/// <summary>A cluster member as this node knows it, from its roles.</summary>
public sealed record MemberEntry(string Name, Address Address, bool IsWitness, string? ClientEndpoint, string? CommandEndpoint,
    string? ReplicationEndpoint = null);

/// <summary>What a local replica last reported about itself; read by the client endpoint without asking the actor.</summary>
public sealed record LocalReplicaState(ReplicaRole Role, long Epoch, string? ClientHint);

/// <summary>
/// Thread-safe view shared by this node's actors and its endpoints: members, peer replica managers, local
/// replicas and their roles, and the latest placement table.
/// </summary>
public sealed class HostDirectory(HostOptions options, FaultSwitch? faults = null)
{
    public const string NameRolePrefix = "name=";
    public const string ClientRolePrefix = "client=";
    public const string CommandRolePrefix = "command=";
    public const string ReplicationRolePrefix = "repl=";

    private readonly ConcurrentDictionary<string, MemberEntry> _members = new();
    private readonly ConcurrentDictionary<string, MemberEntry> _joining = new();
    private readonly ConcurrentDictionary<string, ActorSelection> _peerManagers = new();
    private readonly ConcurrentDictionary<string, IActorRef> _localReplicas = new();
    private readonly ConcurrentDictionary<string, LocalReplicaState> _localStates = new();
    private volatile PlacementTable _placement = PlacementTable.Empty;

    public HostOptions Options { get; } = options;

    /// <summary>Application-level network cuts injected by an operator or a chaos run.</summary>
    public FaultSwitch Faults { get; } = faults ?? new FaultSwitch();

    /// <summary>Why this node must stop and not come back by itself (e.g. another host already uses its name).</summary>
    public string? FatalError { get; set; }

    /// <summary>This node is a member under its own name (see MembershipActor); replicas start only then.</summary>
    public bool IdentityConfirmed { get; set; }
    public string Self => Options.Name;
    public PlacementTable Placement => _placement;

    /// <summary>
    /// This node's stored placement has been read (see PlacementStoreActor). Until then — a host that just started, or
    /// restarted its actor system after being downed — an empty table means "not known yet", not "no such VM".
    /// </summary>
    public bool PlacementLoaded => _placementLoaded;
    private volatile bool _placementLoaded;

    public IEnumerable<MemberEntry> Members => _members.Values;

    public void SetMember(MemberEntry member)
    {
        _members[member.Name] = member;
        _joining.TryRemove(member.Name, out _);
    }

    public void RemoveMember(string name)
    {
        _members.TryRemove(name, out _);
        _peerManagers.TryRemove(name, out _);
        _joining.TryRemove(name, out _);
    }

    /// <summary>
    /// A host joining under a name no member holds (a restarted host, back at its address): its replicas talk to ours
    /// before this node sees it Up (a quarter of a second in our logs, the first window of a full copy), so our replicas
    /// reach it, and its replication connection, from now on. It is not a <see cref="Member"/> until it is Up.
    /// </summary>
    public void SetJoining(MemberEntry member, ActorSelection manager)
    {
        _joining[member.Name] = member;
        _peerManagers[member.Name] = manager;
    }

    /// <summary>A joining host that was removed before it was Up.</summary>
    public void ForgetJoining(string name, Address address)
    {
        if (_joining.TryGetValue(name, out var joining) && joining.Address.Equals(address) && !_members.ContainsKey(name))
        {
            _joining.TryRemove(name, out _);
            _peerManagers.TryRemove(name, out _);
        }
    }

    /// <summary>Where <paramref name="host"/>'s replication server listens, as it announces it (Up or joining).</summary>
    public string? ReplicationEndpointOf(string host) =>
        Member(host)?.ReplicationEndpoint ?? _joining.GetValueOrDefault(host)?.ReplicationEndpoint;

    public MemberEntry? Member(string name) => _members.GetValueOrDefault(name);

    public MemberEntry? Witness => _members.Values.FirstOrDefault(m => m.IsWitness);

    public void SetPeerManager(string host, ActorSelection manager) => _peerManagers[host] = manager;

    public ActorSelection? PeerManager(string host) => _peerManagers.GetValueOrDefault(host);

    public void SetPlacement(PlacementTable table)
    {
        if (table.Version > _placement.Version) _placement = table;
        _placementLoaded = true;
    }

    public void SetLocalReplica(string vm, IActorRef replica) => _localReplicas[vm] = replica;

    public void RemoveLocalReplica(string vm)
    {
        _localReplicas.TryRemove(vm, out _);
        _localStates.TryRemove(vm, out _);
    }

    public IActorRef? LocalReplica(string vm) => _localReplicas.GetValueOrDefault(vm);

    public void SetLocalState(string vm, LocalReplicaState state) => _localStates[vm] = state;

    public LocalReplicaState? LocalState(string vm) => _localStates.GetValueOrDefault(vm);

    public string? ClientEndpointOf(string host) =>
        host == Self && Options.ClientPort > 0 ? $"{Options.Hostname}:{Options.ClientPort}" : Member(host)?.ClientEndpoint;

    /// <summary>Sends replicas' messages to peers over their replication endpoints; null: they go over Akka.Remote.</summary>
    public Replication.ReplicationLink.ReplicationLinks? ReplicationLinks { get; set; }

    /// <summary>Roles this node announces in the cluster, so others learn its name and endpoints.</summary>
    /// <param name="replicationPort">The port the replication server is bound to (0: none).</param>
    public static IReadOnlyList<string> RolesFor(HostOptions options, int replicationPort = 0)
    {
        var roles = new List<string> { options.Role, NameRolePrefix + options.Name };
        if (options.ClientPort > 0) roles.Add($"{ClientRolePrefix}{options.Hostname}:{options.ClientPort}");
        if (options.CommandPort > 0) roles.Add($"{CommandRolePrefix}{options.Hostname}:{options.CommandPort}");
        if (replicationPort > 0) roles.Add($"{ReplicationRolePrefix}{options.Hostname}:{replicationPort}");
        return roles;
    }

    public static MemberEntry? FromRoles(Address address, IEnumerable<string> roles)
    {
        var list = roles.ToArray();
        var name = list.FirstOrDefault(r => r.StartsWith(NameRolePrefix, StringComparison.Ordinal))?[NameRolePrefix.Length..];
        if (name is null) return null;
        return new MemberEntry(name, address, list.Contains(HostOptions.WitnessRole),
            list.FirstOrDefault(r => r.StartsWith(ClientRolePrefix, StringComparison.Ordinal))?[ClientRolePrefix.Length..],
            list.FirstOrDefault(r => r.StartsWith(CommandRolePrefix, StringComparison.Ordinal))?[CommandRolePrefix.Length..],
            list.FirstOrDefault(r => r.StartsWith(ReplicationRolePrefix, StringComparison.Ordinal))?[ReplicationRolePrefix.Length..]);
    }
}
