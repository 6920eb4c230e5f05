using Akka.Actor;
using Akka.Event;
using AkkaLockstep.Host.Cluster;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Replication;

/// <summary>Published on the local event stream whenever this node stores a newer placement table.</summary>
public sealed record PlacementChanged(PlacementTable Table);

/// <summary>
/// Starts and stops this host's replicas as the placement table changes, routes peer messages to them by VM
/// name, and supervises them: a crashed replica restarts and recovers from its journal.
/// </summary>
public sealed class ReplicaManagerActor : ReceiveActor
{
    private readonly HostDirectory _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _replicas = new();
    // Replicas told to unprotect that are still deleting their journal. A VM protected again under the same name
    // gets its new replica only once the old one has terminated: the child name is free again then, and the new
    // replica cannot recover events the old one was still deleting.
    private readonly Dictionary<string, IActorRef> _stopping = new();
    private readonly HashSet<string> _cleaned = new();

    public ReplicaManagerActor(HostDirectory directory)
    {
        _directory = directory;
        Receive<IdentityConfirmed>(_ => Reconcile(_directory.Placement));
        Receive<PlacementChanged>(changed => Reconcile(changed.Table));
        Receive<PeerEnvelopeProto>(envelope =>
        {
            if (_directory.Faults.Cuts(envelope.FromHost)) return;
            if (_replicas.TryGetValue(envelope.Vm, out var replica)) replica.Forward(envelope);
        });
        Receive<ReplicaStatusRequestProto>(request =>
        {
            if (_replicas.TryGetValue(request.Vm, out var replica)) replica.Forward(request);
            else Sender.Tell(new ReplicaStatusProto { Vm = request.Vm, Host = _directory.Self, Exists = false, State = "absent" });
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var (name, _) in _stopping.Where(r => r.Value.Equals(terminated.ActorRef)).ToArray())
                _stopping.Remove(name);
            foreach (var (name, actor) in _replicas.Where(r => r.Value.Equals(terminated.ActorRef)).ToArray())
            {
                _replicas.Remove(name);
                if (_directory.LocalReplica(name)?.Equals(actor) == true) _directory.RemoveLocalReplica(name);
            }
            Reconcile(_directory.Placement);
        });
    }

    public static Props Props(HostDirectory directory) => Akka.Actor.Props.Create(() => new ReplicaManagerActor(directory));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(PlacementChanged));
        Context.System.EventStream.Subscribe(Self, typeof(IdentityConfirmed));
        Reconcile(_directory.Placement);
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: e =>
        {
            _log.Error(e, "replica failed; restarting it");
            return Directive.Restart;
        });

    private void Reconcile(PlacementTable table)
    {
        // Replicas start only once this node is a member under its own name: a second process started with a
        // taken name must never act as that host's replicas.
        if (!_directory.IdentityConfirmed) return;
        var mine = table.Vms.Where(v => v.IsOn(_directory.Self)).ToDictionary(v => v.Name);
        foreach (var (name, replica) in _replicas.ToArray())
        {
            if (mine.ContainsKey(name)) continue;
            _log.Info("{0} is no longer protected on {1}: removing its replica", name, _directory.Self);
            replica.Tell(Unprotect.Instance);
            _replicas.Remove(name);
            _stopping[name] = replica;
            _directory.RemoveLocalReplica(name);
        }
        foreach (var (name, vm) in mine)
        {
            if (_replicas.ContainsKey(name)) continue;
            if (_stopping.ContainsKey(name))
            {
                _log.Info("{0} is protected again on {1}: its new replica starts once the old one has deleted its journal", name, _directory.Self);
                continue;
            }
            var child = Context.ActorOf(VmReplicaActor.Props(vm, _directory), Uri.EscapeDataString(name));
            Context.Watch(child);
            _replicas[name] = child;
            _directory.SetLocalReplica(name, child);
            _log.Info("started replica of {0} ({1}) on {2}, peer {3}", name, vm.Kind, _directory.Self, vm.PeerOf(_directory.Self));
        }
        if (_directory.PlacementLoaded) CleanLeftovers(mine.Keys);
    }

    /// <summary>
    /// Disk folders of VMs placed elsewhere (this host was away while they moved) whose replica never ran again to
    /// remove them: a cleaner deletes them with their journal. Only against a placement this host has read, never
    /// the empty table of a host that just started.
    /// </summary>
    private void CleanLeftovers(IEnumerable<string> placedHere)
    {
        var disks = Path.Combine(_directory.Options.DataDir, "disks");
        if (!Directory.Exists(disks)) return;
        var keep = placedHere.ToHashSet();
        foreach (var folder in Directory.GetDirectories(disks))
        {
            var name = Path.GetFileName(folder);
            // Once per folder and process: a folder that cannot be removed is not retried at every reconcile.
            if (keep.Contains(name) || _replicas.ContainsKey(name) || _stopping.ContainsKey(name) || !_cleaned.Add(name)) continue;
            var cleaner = Context.ActorOf(LeftoverReplicaCleaner.Props(name, _directory.Self, folder), "cleanup-" + Uri.EscapeDataString(name));
            Context.Watch(cleaner);
            _stopping[name] = cleaner;
        }
    }
}
