using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaLockstep.Host.Faults;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Cluster.Downing;

/// <summary>
/// Thin shell around <see cref="DowningJudge"/>. On the witness it feeds the judge and downs what it decides; on a
/// host it only sends the witness heartbeats, so the witness knows which hosts it hears itself (Akka's merged
/// reachability view cannot say who observed whom).
/// </summary>
public sealed class DowningActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Akka.Cluster.Cluster _cluster;
    private readonly DowningJudge _judge;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _isWitness;
    private readonly HostHeartbeatProto _heartbeat;
    private long _seen;
    private IReadOnlyDictionary<string, int> _holders = new Dictionary<string, int>();

    public DowningActor(Akka.Cluster.Cluster cluster, TimeSpan stableAfter)
    {
        _cluster = cluster;
        _judge = new DowningJudge((long)stableAfter.TotalMilliseconds);
        _isWitness = cluster.SelfRoles.Contains(HostOptions.WitnessRole);
        _heartbeat = new HostHeartbeatProto { Host = NameOf(cluster.SelfRoles) ?? "", Uid = cluster.SelfUniqueAddress.Uid };

        Receive<Tick>(_ => OnTick());
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members) OnMember(member);
            foreach (var member in state.Unreachable) _judge.Unreachable(DowningPaths.MemberId(member.UniqueAddress), Now);
        });
        Receive<ClusterEvent.IMemberEvent>(e => OnMember(e.Member));
        Receive<ClusterEvent.UnreachableMember>(e => _judge.Unreachable(DowningPaths.MemberId(e.Member.UniqueAddress), Now));
        Receive<ClusterEvent.ReachableMember>(e => _judge.Reachable(DowningPaths.MemberId(e.Member.UniqueAddress)));
        Receive<HostHeartbeatProto>(h =>
        {
            if (FaultSwitches.For(Context.System)?.Cuts(h.Host) != true) _judge.Heard($"{Sender.Path.Address}#{h.Uid}", Now);
        });
        Receive<HostLostArbitration>(lost =>
        {
            _log.Warning("host {0} lost the arbitration of {1}: downing it", lost.MemberId, lost.Vm);
            _judge.LostArbitration(lost.MemberId);
            OnTick();
        });
        Receive<EpochHolders>(holders => _holders = holders.ByHost);
    }

    public static Props Props(Akka.Cluster.Cluster cluster, TimeSpan stableAfter) =>
        Akka.Actor.Props.Create(() => new DowningActor(cluster, stableAfter));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        if (_isWitness)
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("tick", Tick.Instance, Interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMember(Member member)
    {
        var id = DowningPaths.MemberId(member.UniqueAddress);
        if (member.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed)
            _judge.MemberGone(id);
        else if (NameOf(member.Roles) is { } name)
            _judge.MemberUp(new JudgedMember(id, name, member.HasRole(HostOptions.WitnessRole), _seen++), Now);
    }

    private void OnTick()
    {
        if (!_isWitness)
        {
            var faults = FaultSwitches.For(Context.System);
            foreach (var witness in _cluster.State.Members.Where(m => m.HasRole(HostOptions.WitnessRole) && faults?.Cuts(NameOf(m.Roles)) != true))
                Context.ActorSelection($"{witness.Address}{DowningPaths.DowningActor}").Tell(_heartbeat, Self);
            return;
        }
        foreach (var (id, reason) in _judge.Decide(Now, host => _holders.GetValueOrDefault(host)))
        {
            var member = _cluster.State.Members.FirstOrDefault(m => DowningPaths.MemberId(m.UniqueAddress) == id);
            if (member is null) continue;
            _log.Warning("downing {0}: {1}", member.Address, reason);
            _cluster.Down(member.Address);
        }
    }

    private static string? NameOf(IEnumerable<string> roles) =>
        roles.FirstOrDefault(r => r.StartsWith(HostDirectory.NameRolePrefix, StringComparison.Ordinal))?[HostDirectory.NameRolePrefix.Length..];

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
