using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AkkaLockstep.Host.Cluster;

/// <summary>Published on this node's event stream once it is a member and no older member has its name.</summary>
public sealed record IdentityConfirmed
{
    public static readonly IdentityConfirmed Instance = new();
}

/// <summary>
/// Keeps the <see cref="HostDirectory"/> in step with cluster membership: who is up, their names and endpoints,
/// and where each other host's replica manager lives. Peer messages go by actor path, so a restarted peer
/// (new incarnation, same address) is reached without resolving anything again. A name belongs to its oldest
/// member: a second process started with a taken name stops with an error instead of serving as that host.
/// </summary>
public sealed class MembershipActor : ReceiveActor
{
    private readonly HostDirectory _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public MembershipActor(HostDirectory directory)
    {
        _directory = directory;
        Receive<ClusterEvent.MemberUp>(up => Add(up.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(up => Add(up.Member));
        Receive<ClusterEvent.MemberJoined>(joined => Joining(joined.Member));
        Receive<ClusterEvent.MemberRemoved>(removed => Remove(removed.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.UnreachableMember>(u => _log.Warning("member unreachable: {0}", u.Member.Address));
        Receive<ClusterEvent.ReachableMember>(r => _log.Info("member reachable again: {0}", r.Member.Address));
    }

    public static Props Props(HostDirectory directory) => Akka.Actor.Props.Create(() => new MembershipActor(directory));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Add(Member member)
    {
        if (HostDirectory.FromRoles(member.Address, member.Roles) is not { } entry) return;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var holder = cluster.State.Members.FirstOrDefault(m => m.Address != member.Address && m.Roles.Contains(HostDirectory.NameRolePrefix + entry.Name) &&
                                                               m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && (member.Status == MemberStatus.Joining || m.IsOlderThan(member)));
        if (holder is not null)
        {
            _log.Error("{0} at {1} uses the name of the member at {2}; ignoring it", entry.Name, member.Address, holder.Address);
            if (member.Address == cluster.SelfAddress) Refuse(holder.Address);
            return;
        }
        _directory.SetMember(entry);
        if (member.Address == cluster.SelfAddress && !_directory.IdentityConfirmed)
        {
            _directory.IdentityConfirmed = true;
            Context.System.EventStream.Publish(IdentityConfirmed.Instance);
        }
        if (member.HasRole(HostOptions.HostRole) && entry.Name != _directory.Self)
            _directory.SetPeerManager(entry.Name, Context.ActorSelection(new RootActorPath(member.Address) / "user" / "replicas"));
        _log.Info("member up: {0} at {1}", entry.Name, member.Address);
    }

    private void Joining(Member member)
    {
        if (!member.HasRole(HostOptions.HostRole) || HostDirectory.FromRoles(member.Address, member.Roles) is not { } entry ||
            entry.Name == _directory.Self || _directory.Member(entry.Name) is not null) return;
        _directory.SetJoining(entry, Context.ActorSelection(new RootActorPath(member.Address) / "user" / "replicas"));
    }

    private void Refuse(Address holder)
    {
        _directory.FatalError = $"another host named '{_directory.Self}' is already a member of the cluster (at {holder}); " +
                                "every host needs its own --name";
        _log.Error(_directory.FatalError);
        CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
    }

    private void Remove(Member member)
    {
        if (HostDirectory.FromRoles(member.Address, member.Roles) is not { } entry) return;
        // A removed old incarnation must not erase the entry of a new one at the same name.
        if (_directory.Member(entry.Name)?.Address.Equals(member.Address) == true &&
            Akka.Cluster.Cluster.Get(Context.System).State.Members.All(m => m.Address != member.Address || m.Status == MemberStatus.Removed))
            _directory.RemoveMember(entry.Name);
        _directory.ForgetJoining(entry.Name, member.Address);
        _log.Info("member removed: {0} at {1}", entry.Name, member.Address);
    }
}
