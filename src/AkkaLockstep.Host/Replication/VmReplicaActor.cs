using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaLockstep.Guests;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Host.Witness;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;

namespace AkkaLockstep.Host.Replication;

/// <summary>
/// One replica of one VM: a thin shell around <see cref="ReplicaCore"/>. It replays the journal into the core,
/// feeds it client requests, peer messages, journal completions, witness answers and ticks, and executes the
/// effects it returns (one journal event per batch of inputs).
/// </summary>
public sealed class VmReplicaActor : UntypedPersistentActor, IWithTimers
{
    private readonly VmPlacement _vm;
    private readonly HostDirectory _directory;
    private readonly ReplicaCore _core;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _clockBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long _lastSnapshotIndex;
    private bool _deleting;
    // A full copy from the peer being saved: its persist op, the snapshot's sequence number once it is being
    // written, and the newest later write that completed meanwhile (writes complete in order for the core).
    private long _installOp;
    private long _installSequenceNr = -1;
    private long _heldPersisted;
    // Verify inputs need distinct request numbers within the verify session; the clock keeps them distinct across restarts.
    private long _verifyRequestNo = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    private sealed record VerifyToken(IActorRef ReplyTo);

    private static VerifyOutcome ToOutcome((long Index, byte[] Digest) verification) => new(verification.Index, verification.Digest, null);

    public VmReplicaActor(VmPlacement vm, HostDirectory directory)
    {
        _vm = vm;
        _directory = directory;
        var self = directory.Self;
        var incarnation = $"{self}/{Guid.NewGuid():N}";
        _core = new ReplicaCore(self, vm.PeerOf(self), vm.Hosts[0] == self, incarnation, GuestCatalog.Create(vm.Kind),
            (ulong)Random.Shared.NextInt64(), new ReplicaOptions { WitnessRestartHoldMs = WitnessActor.MaxLeaseMs });
    }

    public const string Dispatcher = "lockstep-replica-dispatcher";

    public static Props Props(VmPlacement vm, HostDirectory directory) =>
        Akka.Actor.Props.Create(() => new VmReplicaActor(vm, directory)).WithDispatcher(Dispatcher);

    public override string PersistenceId => $"replica|{_vm.Name}|{_directory.Self}";

    public ITimerScheduler Timers { get; set; } = null!;

    private LocalReplicaState? _published;
    private readonly ResyncProgress _resync = new();

    private long Now => _clockBase + _clock.ElapsedMilliseconds;

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ReplicaSnapshotProto snapshot }:
                _core.RecoverSnapshot(snapshot.FromProto());
                _lastSnapshotIndex = snapshot.AppliedIndex;
                break;
            case EpochPromisedEvent e: _core.RecoverEpoch(e.Epoch); break;
            case EntriesAppendedEvent e: _core.RecoverEntries(e.Entries.FromProto()); break;
            case LogTruncatedEvent e: _core.RecoverTruncate(e.FromIndex); break;
            case RecoveryCompleted:
                _log.Info("replica {0} of {1} recovered: last index {2}, applied {3}, epoch {4}",
                    _directory.Self, _vm.Name, _core.LastIndex, _core.AppliedIndex, _core.Epoch);
                Execute(_core.Start(Now));
                Timers.StartPeriodicTimer("tick", ReplicaTick.Instance, TimeSpan.FromMilliseconds(20));
                Timers.StartPeriodicTimer("verify", PeriodicVerify.Instance, Context.System.Settings.Config.GetTimeSpan("lockstep.verify-every", TimeSpan.FromMinutes(10)));
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        if (_deleting)
        {
            // Only the answer to the unprotect's own deletion (a truncation at a snapshot may still be answered first):
            // stopping earlier would let a new replica of the same name replay what is not yet deleted.
            if (message is DeleteMessagesSuccess success && success.ToSequenceNr >= LastSequenceNr || message is DeleteMessagesFailure)
                Context.Stop(Self);
            return;
        }
        switch (message)
        {
            case ClientCommand command:
                Execute(_core.Handle(new ClientRequest(command, command.SessionId, command.Request.RequestNo,
                    command.Request.Command.ToByteArray()), Now));
                break;
            case PeerEnvelopeProto envelope when envelope.FromEnvelope() is { } peerMessage:
                Execute(_core.Handle(new PeerReceived(peerMessage), Now));
                break;
            case ClaimEpochResponseProto or RenewLeaseResponseProto when _directory.Faults.Cuts(_directory.Witness?.Name):
                break;
            case ClaimEpochResponseProto answer when answer.Vm == _vm.Name:
                Execute(_core.Handle(answer.Granted
                    ? new EpochGranted(answer.Epoch, answer.RequestedAtMs)
                    : new EpochRefused(answer.Epoch, answer.GrantedEpoch, answer.RequestedAtMs), Now));
                break;
            case RenewLeaseResponseProto answer when answer.Vm == _vm.Name:
                Execute(_core.Handle(new LeaseAnswered(answer.Epoch, answer.Renewed, answer.RequestedAtMs), Now));
                break;
            case ReplicaTick:
                Execute(_core.Handle(Tick.Instance, Now));
                MaybeSnapshot();
                if (_core.PeerCatchingUp) _resync.Observe(Now, _core.PeerMatchIndex, _core.LastIndex);
                else if (_resync.Active) _resync.Stop();
                break;
            case PeriodicVerify when _core is { Role: ReplicaRole.Primary, Solo: false }:
                Execute(_core.Handle(new ClientRequest(new VerifyToken(Self), ReplicatedMachine.VerifySessionId, ++_verifyRequestNo, []), Now));
                break;
            case VerifyOutcome { Error: null } periodic:
                _log.Info("{0} on {1}: periodic verify at input {2}, digest {3}; the secondary's hash check covers it", _vm.Name,
                    _directory.Self, periodic.Index, Convert.ToHexString(periodic.Digest, 0, 8).ToLowerInvariant());
                break;
            case VerifyRequest:
                Execute(_core.Handle(new ClientRequest(new VerifyToken(Sender), ReplicatedMachine.VerifySessionId, ++_verifyRequestNo, []), Now));
                break;
            case ForceSimplexRequest:
                _log.Warning("{0} on {1}: an operator asks to force simplex", _vm.Name, _directory.Self);
                Execute(_core.Handle(new ForceSimplex(Sender), Now));
                break;
            case ReplicaStatusRequestProto:
                Sender.Tell(BuildStatus());
                break;
            case DumpRequest:
                Sender.Tell(new DumpResponse(_core.AppliedIndex, _vm.Kind, _core.Guest.Snapshot()));
                break;
            case SaveSnapshotSuccess success:
                DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1));
                // Recovery starts at this snapshot: the events before it are never read again.
                DeleteMessages(success.Metadata.SequenceNr);
                _core.Compact(_directory.Options.RetainInputs);
                if (_installOp > 0 && success.Metadata.SequenceNr == _installSequenceNr) InstallSaved();
                break;
            case SaveSnapshotFailure failure when _installOp > 0 && failure.Metadata.SequenceNr == _installSequenceNr:
                // The copy is not durable: start again from the journal; the peer sends the copy again.
                throw new InvalidOperationException($"saving the full copy of {_vm.Name} from the peer failed: {failure.Cause.Message}");
            case SaveSnapshotFailure failure:
                _log.Warning("snapshot of {0} failed: {1}", _vm.Name, failure.Cause.Message);
                break;
            case DeleteMessagesFailure failure:
                _log.Warning("truncating the journal of {0} failed (it keeps growing until a later snapshot): {1}", _vm.Name, failure.Cause.Message);
                break;
            case Unprotect:
                _deleting = true;
                _directory.RemoveLocalReplica(_vm.Name);
                DeleteSnapshots(SnapshotSelectionCriteria.Latest);
                DeleteMessages(long.MaxValue);
                break;
        }
    }

    private void Execute(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PersistEntries e:
                    var appended = new EntriesAppendedEvent();
                    appended.Entries.AddRange(e.Entries.Select(ProtoMapping.ToProto));
                    var entriesOp = e.OpId;
                    PersistAsync(appended, _ => Persisted(entriesOp));
                    break;
                case PersistEpoch e:
                    var epochOp = e.OpId;
                    PersistAsync(new EpochPromisedEvent { Epoch = e.Epoch }, _ => Persisted(epochOp));
                    break;
                case PersistTruncate t:
                    var truncateOp = t.OpId;
                    PersistAsync(new LogTruncatedEvent { FromIndex = t.FromIndex }, _ => Persisted(truncateOp));
                    break;
                case PersistSnapshot p:
                    SaveInstalledCopy(p);
                    break;
                case SendToPeer send:
                    if (_core.Peer is { } peer && !_directory.Faults.Cuts(peer)) _directory.PeerManager(peer)?.Tell(send.Message.ToEnvelope(_vm.Name, _directory.Self), Self);
                    break;
                case Reply { Token: VerifyToken verify } reply:
                    verify.ReplyTo.Tell(reply.Status == ReplyStatus.Ok
                        ? ToOutcome(ReplicatedMachine.DecodeVerification(reply.Output))
                        : new VerifyOutcome(0, [], $"{_directory.Self} does not hold the primary of {_vm.Name}" +
                                                   (reply.LeaderHint is { } leader ? $"; run verify at {leader}" : "")));
                    break;
                case Reply reply:
                    Answer((ClientCommand)reply.Token, reply);
                    break;
                case ClaimEpoch claim:
                    TellWitness(new ClaimEpochRequestProto
                    {
                        Vm = _vm.Name, Epoch = claim.Epoch, Claimant = _core.Incarnation, Simplex = claim.Simplex,
                        LeaseMs = claim.LeaseMs, RequestedAtMs = claim.RequestedAtMs, Host = _directory.Self,
                        HostUid = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress.Uid,
                        PeerHost = claim.Simplex ? _core.Peer ?? "" : "",
                    }, $"claim epoch {claim.Epoch}");
                    break;
                case RenewLease renew:
                    TellWitness(new RenewLeaseRequestProto
                    {
                        Vm = _vm.Name, Epoch = renew.Epoch, Claimant = _core.Incarnation, LeaseMs = renew.LeaseMs,
                        RequestedAtMs = renew.RequestedAtMs,
                    }, "renew its lease");
                    break;
                case RoleChanged changed:
                    _log.Info("{0} on {1}: {2} in epoch {3}", _vm.Name, _directory.Self, changed.Role, changed.Epoch);
                    break;
                case ForceSimplexAnswered answer:
                    if (answer.Accepted) _log.Warning("{0} on {1}: forced simplex primary in epoch {2}", _vm.Name, _directory.Self, answer.Epoch);
                    else _log.Warning("{0} on {1}: force-simplex refused: {2}", _vm.Name, _directory.Self, answer.Reason);
                    ((IActorRef)answer.Token).Tell(new ForceSimplexOutcome(answer.Accepted, answer.Epoch, BuildStatus().State, answer.Reason));
                    break;
                case Notice notice:
                    _log.Info("{0} on {1}: {2}", _vm.Name, _directory.Self, notice.Message);
                    break;
                case Alarm alarm:
                    _log.Error("ALARM {0} on {1}: {2}", _vm.Name, _directory.Self, alarm.Message);
                    break;
            }
        }
        PublishLocalState();
    }

    // What client locates read: a secondary taking over names itself well before its role changes.
    // Runs after every batch of effects: compared field by field so the common case allocates nothing.
    private void PublishLocalState()
    {
        var hint = _core.ClientHint;
        if (_published is { } p && p.Role == _core.Role && p.Epoch == _core.Epoch && p.ClientHint == hint) return;
        _published = new LocalReplicaState(_core.Role, _core.Epoch, hint);
        _directory.SetLocalState(_vm.Name, _published);
    }

    /// <summary>The witness is found by membership; without one, claims wait (the core retries) and the VM stalls safely.</summary>
    private void TellWitness(object request, string what)
    {
        if (_directory.Witness is { } witness)
        {
            if (!_directory.Faults.Cuts(witness.Name))
                Context.ActorSelection(new RootActorPath(witness.Address) / "user" / "witness").Tell(request, Self);
        }
        else
            _log.Warning("{0}: cannot {1}: no witness in the cluster", _vm.Name, what);
    }

    private void Answer(ClientCommand command, Reply reply)
    {
        var response = new Response { Correlation = command.Request.Correlation, Epoch = _core.Epoch, Host = _directory.Self };
        switch (reply.Status)
        {
            case ReplyStatus.Ok:
                response.Status = Wire.Status.Ok;
                response.Output = ByteString.CopyFrom(reply.Output);
                break;
            case ReplyStatus.NotPrimary:
                response.Status = Wire.Status.NotPrimary;
                response.Error = $"{_directory.Self} holds the secondary of {_vm.Name}";
                response.PrimaryHint = reply.LeaderHint is { } leader ? _directory.ClientEndpointOf(leader) ?? "" : "";
                break;
            case ReplyStatus.Unavailable:
                response.Status = Wire.Status.Unavailable;
                response.Error = $"{_vm.Name} on {_directory.Self} is {_core.Role}; retry";
                break;
            case ReplyStatus.Stale:
                response.Status = Wire.Status.StaleRequest;
                response.Error = $"request {command.Request.RequestNo} is older than the session's last request";
                break;
        }
        command.Completion.TrySetResult(response);
    }

    private void Persisted(long opId)
    {
        if (_installOp > 0) _heldPersisted = Math.Max(_heldPersisted, opId);
        else Execute(_core.Handle(new LocalPersisted(opId), Now));
    }

    /// <summary>
    /// Saves a full copy from the peer as this replica's snapshot. It is taken after a marker event, so every journal
    /// write issued before it has a lower sequence number and recovery never replays those entries over the copy.
    /// </summary>
    private void SaveInstalledCopy(PersistSnapshot copy)
    {
        _installOp = copy.OpId;
        _installSequenceNr = -1;
        _heldPersisted = 0;
        _lastSnapshotIndex = copy.Snapshot.AppliedIndex;
        PersistAsync(new LogTruncatedEvent { FromIndex = copy.Snapshot.AppliedIndex + 1 }, _ =>
        {
            _installSequenceNr = LastSequenceNr;
            SaveSnapshot(copy.Snapshot.ToProto());
        });
    }

    private void InstallSaved()
    {
        var upTo = Math.Max(_installOp, _heldPersisted);
        _installOp = 0;
        _installSequenceNr = -1;
        Execute(_core.Handle(new LocalPersisted(upTo), Now));
    }

    private void MaybeSnapshot()
    {
        if (_core.AppliedIndex - _lastSnapshotIndex < _directory.Options.SnapshotEvery) return;
        _lastSnapshotIndex = _core.AppliedIndex;
        SaveSnapshot(_core.CaptureSnapshot().ToProto());
    }

    private ReplicaStatusProto BuildStatus()
    {
        var state = _core.Diverged ? "diverged" : _core.Solo ? (_core.Role == ReplicaRole.Primary ? "unprotected" : "joining") : _core.Role switch
        {
            ReplicaRole.Primary when _resync.Active => "resyncing",
            ReplicaRole.Primary => _core.Forced ? "forced-simplex" : _core.Simplex ? "simplex" : _core.Duplex ? "duplex" : "waiting-for-peer",
            ReplicaRole.Secondary => "duplex",
            ReplicaRole.Candidate => _core.Forced ? "forcing" : "claiming",
            _ when _core.Fenced => "fenced",
            _ => "joining",
        };
        var status = new ReplicaStatusProto
        {
            Vm = _vm.Name, Host = _directory.Self, Exists = true, Role = _core.Role.ToString().ToLowerInvariant(), State = state,
            Epoch = _core.Epoch, LastIndex = _core.LastIndex, CommitIndex = _core.CommitIndex, AppliedIndex = _core.AppliedIndex,
            HashChain = _core.HashHex, Digest = Convert.ToHexString(_core.Guest.Digest(), 0, 8).ToLowerInvariant(),
            VerifiedIndex = _core.VerifiedIndex,
        };
        if (_resync.Snapshot(_core.PeerLagBytes) is { } resync)
        {
            status.Resyncing = true;
            status.ResyncPercent = resync.Percent;
            status.LagInputs = resync.LagInputs;
            status.LagBytes = resync.LagBytes;
            status.ResyncInputsPerSecond = resync.InputsPerSecond;
            status.ResyncEtaSeconds = resync.EtaSeconds ?? -1;
        }
        return status;
    }

    // A restart after a failure runs PostStop too (Akka's default PreRestart): register again, or clients and the
    // command endpoint would find no replica on this host while it runs.
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        if (!_deleting) _directory.SetLocalReplica(_vm.Name, Self);
        _log.Warning("replica of {0} on {1} restarted after: {2}", _vm.Name, _directory.Self, reason.Message);
    }

    protected override void PostStop()
    {
        if (_directory.LocalReplica(_vm.Name)?.Equals(Self) == true) _directory.RemoveLocalReplica(_vm.Name);
        base.PostStop();
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "journal write failed for {0} (seq {1}); the replica restarts and recovers", _vm.Name, sequenceNr);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}
