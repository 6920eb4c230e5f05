using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AkkaLockstep.Host.Cluster;

/// <summary>
/// Keeps the <see cref="HostDirectory"/> in step with cluster membership: who is up, their names and endpoints,
/// and where each other host's replica manager lives. Peer messages go by actor path, so a restarted peer
/// (new incarnation, same address) is reached without resolving anything again.
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
        Receive<ClusterEvent.MemberJoined>(_ => { });
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
        _directory.SetMember(entry);
        if (member.HasRole(HostOptions.HostRole) && entry.Name != _directory.Self)
            _directory.SetPeerManager(entry.Name, Context.ActorSelection(new RootActorPath(member.Address) / "user" / "replicas"));
        _log.Info("member up: {0} at {1}", entry.Name, member.Address);
    }

    private void Remove(Member member)
    {
        if (HostDirectory.FromRoles(member.Address, member.Roles) is not { } entry) return;
        // A removed old incarnation must not erase the entry of a new one at the same name.
        if (_directory.Member(entry.Name)?.Address.Equals(member.Address) == true &&
            Akka.Cluster.Cluster.Get(Context.System).State.Members.All(m => m.Address != member.Address || m.Status == MemberStatus.Removed))
            _directory.RemoveMember(entry.Name);
        _log.Info("member removed: {0} at {1}", entry.Name, member.Address);
    }
}
