using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Placement;

/// <summary>
/// Cluster singleton (on a host) that changes placement: it starts from the newest table any node stored,
/// applies protect/unprotect one at a time, and answers once a majority of nodes stored the new table.
/// It re-broadcasts the table periodically so that nodes that were away catch up. A VM whose host stays away longer
/// than the spare delay is re-protected onto another host that is up, once its surviving replica reports that it
/// leads alone (so it holds everything committed; the host that left holds nothing the VM still needs).
/// </summary>
public sealed class PlacementCoordinatorActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private static readonly TimeSpan GatherTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(5);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private PlacementTable _table = PlacementTable.Empty;
    private readonly long _spareAfterMs;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    // Hosts named in the table that are not up, and since when (this coordinator's clock: a new coordinator waits anew).
    private readonly Dictionary<string, long> _awaySince = new();
    private PlacementPlanner.SpareMove? _sparePending;
    private int _spareTurn;

    private sealed record GatherDone;
    private sealed record CommitTimedOut(long Version);
    private sealed record Rebroadcast;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public PlacementCoordinatorActor(TimeSpan spareAfter)
    {
        _spareAfterMs = (long)spareAfter.TotalMilliseconds;
        Gathering();
    }

    public static Props Props(TimeSpan spareAfter) => Akka.Actor.Props.Create(() => new PlacementCoordinatorActor(spareAfter));

    private IEnumerable<Member> LiveMembers => _cluster.State.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
        .Where(m => !_cluster.State.Unreachable.Contains(m));

    private int Majority => _cluster.State.Members.Count(m => m.Status is not (MemberStatus.Removed or MemberStatus.Down)) / 2 + 1;

    private ActorSelection StoreOf(Member member) => Context.ActorSelection(new RootActorPath(member.Address) / "user" / "placement-store");

    private void Gathering()
    {
        Receive<PlacementTableProto>(t =>
        {
            var table = t.FromProto();
            if (table.Version > _table.Version) _table = table;
        });
        Receive<GatherDone>(_ =>
        {
            _log.Info("placement coordinator ready at version {0} ({1} VMs)", _table.Version, _table.Vms.Count);
            Broadcast();
            Timers.StartPeriodicTimer("rebroadcast", new Rebroadcast(), TimeSpan.FromSeconds(3));
            Stash.UnstashAll();
            Become(Ready);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    protected override void PreStart()
    {
        foreach (var member in _cluster.State.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp))
            StoreOf(member).Tell(new GetPlacementProto(), Self);
        Timers.StartSingleTimer("gather", new GatherDone(), GatherTimeout);
    }

    private void Ready()
    {
        Receive<ProtectVmCommandProto>(command =>
        {
            var decision = PlacementPlanner.PlanProtect(_table, command.Name, command.Kind, command.Hosts.Count > 0 ? command.Hosts.ToArray() : null, UpHosts());
            if (decision.Vm is null) Sender.Tell(Failure(decision));
            else Commit(_table.With(decision.Vm), decision.Vm, Sender);
        });
        Receive<UnprotectVmCommandProto>(command =>
        {
            var decision = PlacementPlanner.PlanUnprotect(_table, command.Name);
            if (decision.Vm is null) Sender.Tell(Failure(decision));
            else Commit(_table.Without(command.Name), decision.Vm, Sender);
        });
        Receive<PlacementTableProto>(t =>
        {
            // A node holding a newer table than ours (possible after a coordinator handover) wins.
            var table = t.FromProto();
            if (table.Version > _table.Version) _table = table;
        });
        Receive<Rebroadcast>(_ =>
        {
            Broadcast();
            LookForSpares();
        });
        Receive<ReplicaStatusProto>(SurvivorAnswered);
        Receive<PlacementAckProto>(_ => { });
        Receive<CommitTimedOut>(_ => { });
    }

    /// <summary>Asks the survivor of the first VM due for a spare whether it leads alone; its answer decides.</summary>
    private void LookForSpares()
    {
        var up = UpHosts();
        var now = _clock.ElapsedMilliseconds;
        foreach (var host in _table.Vms.SelectMany(v => v.Hosts).Distinct())
            if (up.Contains(host)) _awaySince.Remove(host);
            else _awaySince.TryAdd(host, now);
        var moves = PlacementPlanner.PlanSpares(_table, up, _awaySince, now, _spareAfterMs);
        // One VM per tick, taking turns: a survivor that cannot move yet (not leading alone) does not hold up the others.
        _sparePending = moves.Count == 0 ? null : moves[_spareTurn++ % moves.Count];
        if (_sparePending is not { } move) return;
        var survivor = LiveMembers.FirstOrDefault(m => HostDirectory.FromRoles(m.Address, m.Roles)?.Name == move.Survivor);
        if (survivor is null) return;
        Context.ActorSelection(new RootActorPath(survivor.Address) / "user" / "replicas").Tell(new ReplicaStatusRequestProto { Vm = move.Vm.Name }, Self);
    }

    private void SurvivorAnswered(ReplicaStatusProto status)
    {
        if (_sparePending is not { } move || status.Vm != move.Vm.Name || status.Host != move.Survivor) return;
        _sparePending = null;
        // Only a primary running alone under the witness's lease is known to hold everything committed.
        if (status.State != "simplex" || _table.Find(move.Vm.Name) is not { } current || !current.Hosts.SequenceEqual(move.Vm.Hosts)) return;
        _log.Warning("re-protecting {0}: {1} has been away for {2:0} s; its second replica moves to {3}, rebuilt from {4}",
            move.Vm.Name, move.Away, (_clock.ElapsedMilliseconds - _awaySince[move.Away]) / 1000.0, move.Spare, move.Survivor);
        Commit(_table.With(move.Moved), move.Moved, ActorRefs.Nobody);
    }

    private IReadOnlyList<string> UpHosts() =>
        LiveMembers.Where(m => m.HasRole(HostOptions.HostRole))
            .Select(m => HostDirectory.FromRoles(m.Address, m.Roles)?.Name).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    private static PlacementCommandResultProto Failure(PlacementPlanner.Decision decision) =>
        new() { Ok = false, Error = decision.Error ?? "refused", StatusCode = decision.StatusCode };

    private void Commit(PlacementTable table, VmPlacement vm, IActorRef replyTo)
    {
        _table = table;
        var acked = new HashSet<string>();
        var needed = Majority;
        Broadcast();
        Timers.StartSingleTimer("commit", new CommitTimedOut(table.Version), CommitTimeout);
        Become(() =>
        {
            Receive<PlacementAckProto>(ack =>
            {
                if (ack.Version < table.Version) return;
                acked.Add(ack.Node);
                if (acked.Count < needed) return;
                Timers.Cancel("commit");
                _log.Info("placement version {0} stored on {1}", table.Version, string.Join(", ", acked));
                replyTo.Tell(new PlacementCommandResultProto { Ok = true, Vm = vm.ToProto(), StatusCode = 200 });
                Stash.UnstashAll();
                Become(Ready);
            });
            Receive<CommitTimedOut>(timeout =>
            {
                if (timeout.Version != table.Version) return;
                replyTo.Tell(new PlacementCommandResultProto
                {
                    Ok = false, StatusCode = 503,
                    Error = $"placement change stored on {acked.Count} node(s), {needed} needed; it will still spread as nodes return",
                });
                Stash.UnstashAll();
                Become(Ready);
            });
            Receive<Rebroadcast>(_ => Broadcast());
            ReceiveAny(_ => Stash.Stash());
        });
    }

    private void Broadcast()
    {
        var update = new PlacementUpdateProto { Table = _table.ToProto() };
        foreach (var member in LiveMembers) StoreOf(member).Tell(update, Self);
    }
}
