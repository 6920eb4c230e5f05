using System.Diagnostics;
using System.Net.Http.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaLockstep.Host.Cluster.Downing;

namespace AkkaLockstep.Host.Cluster.Links;

/// <summary>
/// Thin shell around <see cref="LinkWatchdog"/>: follows reachability, probes unreachable members' command
/// endpoints over HTTP (a channel that does not share the remoting association), and restarts this node's actor
/// system when a link is wedged. The host runner then starts a new incarnation that rejoins.
/// </summary>
public sealed class LinkWatchdogActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(1) };

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record ProbeAnswer(string MemberId, string? Reported);

    private sealed record HealthBody(string? Status, string? Member);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly LinkWatchdog _watchdog = LinkWatchdog.Default();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HashSet<string> _probing = new(StringComparer.Ordinal);
    private bool _restarting;

    public LinkWatchdogActor()
    {
        Receive<ClusterEvent.UnreachableMember>(e => OnUnreachable(e.Member));
        Receive<ClusterEvent.ReachableMember>(e => _watchdog.Forget(DowningPaths.MemberId(e.Member.UniqueAddress)));
        Receive<ClusterEvent.MemberRemoved>(e => _watchdog.Forget(DowningPaths.MemberId(e.Member.UniqueAddress)));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ProbeAnswer>(a =>
        {
            _probing.Remove(a.MemberId);
            _watchdog.Answered(a.MemberId, a.Reported);
        });
        Receive<Tick>(_ => OnTick());
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new LinkWatchdogActor());

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer("tick", Tick.Instance, Interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnUnreachable(Member member)
    {
        if (member.Status is not (MemberStatus.Up or MemberStatus.WeaklyUp)) return;
        var entry = HostDirectory.FromRoles(member.Address, member.Roles);
        var restartAfter = LinkWatchdog.RestartAfter(_cluster.SelfRoles.Contains(HostOptions.WitnessRole),
            member.HasRole(HostOptions.WitnessRole), _cluster.SelfAddress.ToString(), member.Address.ToString());
        _watchdog.Unreachable(DowningPaths.MemberId(member.UniqueAddress), entry?.CommandEndpoint, restartAfter, Now);
    }

    private void OnTick()
    {
        if (_restarting) return;
        if (_watchdog.Wedged(Now) is { } wedged)
        {
            _restarting = true;
            _log.Warning("the remoting link to {0} is wedged: it answers on its command endpoint as the same incarnation but " +
                         "not over remoting; restarting this node's actor system to rejoin with fresh links", wedged);
            CoordinatedShutdown.Get(Context.System).Run(LinkWedgedReason.Instance);
            return;
        }
        foreach (var (memberId, endpoint) in _watchdog.DueProbes(Now))
        {
            if (!_probing.Add(memberId)) continue;
            ProbeAsync(memberId, endpoint).PipeTo(Self);
        }
    }

    private static async Task<ProbeAnswer> ProbeAsync(string memberId, string endpoint)
    {
        try
        {
            var body = await Http.GetFromJsonAsync<HealthBody>($"http://{endpoint}/health").ConfigureAwait(false);
            return new ProbeAnswer(memberId, body?.Member);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return new ProbeAnswer(memberId, null);
        }
    }
}

/// <summary>Why this node's actor system stopped: a wedged remoting link (see <see cref="LinkWatchdog"/>).</summary>
public sealed class LinkWedgedReason : CoordinatedShutdown.Reason
{
    public static readonly LinkWedgedReason Instance = new();

    private LinkWedgedReason()
    {
    }

    public override int ExitCode => 0;
}
