using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaLockstep.Guests;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Host.Disk;
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
/// effects it returns (one journal event per batch of inputs). Now and then it checkpoints the machine state as a
/// disk file (written by its <see cref="DiskMirrorActor"/>); a small snapshot naming that file lets the journal be
/// truncated up to it.
/// </summary>
public sealed class VmReplicaActor : UntypedPersistentActor, IWithTimers
{
    private readonly VmPlacement _vm;
    private readonly HostDirectory _directory;
    private readonly ReplicaCore _core;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _clockBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private bool _deleting;
    private readonly IActorRef _disk;
    // The newest durable disk (named by a saved snapshot), and why none could be loaded at recovery.
    private DiskInfo _diskInfo = new(0, 0, "", null);
    // Checkpoint pacing: inputs applied and journal bytes written since the last checkpoint was started.
    private long _checkpointStartIndex;
    private long _journalBytesSinceCheckpoint;
    private bool _checkpointing;
    // Bumped by every full copy installed: a checkpoint captured before it describes a state that was replaced.
    private long _generation;
    // Disk files written or being written whose snapshots are not yet saved: they must survive a clean-up.
    private readonly HashSet<long> _disksInFlight = [];
    private readonly Dictionary<long, PendingDisk> _savingBySequenceNr = new();
    // A full copy from the peer being saved: its persist op and the newest later write that completed meanwhile
    // (writes complete in order for the core).
    private long _installOp;
    private PersistSnapshot? _install;
    private long _heldPersisted;

    private sealed record CaptureCheckpoint(long Index, long AppliedEpoch);

    private sealed record PendingDisk(long Index, long AppliedEpoch, DiskMirrorActor.DiskWritten Written, bool Install);
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
        _disk = Context.ActorOf(DiskMirrorActor.Props(DiskFolder));
        _core.DurableState = OpenNewestDisk;
        _core.FrozenCopies = (index, image) => new ImageCopySource(index, image);
        _core.IncomingCopies = (index, length, digest) => DiskFileCopySink.Open(DiskFolder, index, length, digest);
    }

    /// <summary>The newest durable disk, for a full copy to the peer (none before the first checkpoint, or when it was lost).</summary>
    private CopySource? OpenNewestDisk() =>
        _diskInfo is { Error: null, Bytes: > 0 } disk ? DiskFileCopySource.Open(Path.Combine(DiskFolder, DiskImage.FileName(disk.Index))) : null;

    private string DiskFolder => Path.Combine(_directory.Options.DataDir, "disks", _vm.Name);

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
            case SnapshotOffer { Snapshot: DiskCheckpointProto checkpoint }:
                RecoverDisk(checkpoint);
                break;
            case SnapshotOffer { Snapshot: ReplicaSnapshotProto snapshot }:
                // Written before disks were files: the machine state is inside the snapshot.
                _core.RecoverSnapshot(snapshot.FromProto());
                _checkpointStartIndex = snapshot.AppliedIndex;
                break;
            case EpochPromisedEvent e: _core.RecoverEpoch(e.Epoch); break;
            case EntriesAppendedEvent e: _core.RecoverEntries(e.Entries.FromProto()); break;
            case LogTruncatedEvent e: _core.RecoverTruncate(e.FromIndex); break;
            case RecoveryCompleted:
                _log.Info("replica {0} of {1} recovered: last index {2}, applied {3}, epoch {4}",
                    _directory.Self, _vm.Name, _core.LastIndex, _core.AppliedIndex, _core.Epoch);
                if (_diskInfo.Error is { } lost)
                    _log.Error("ALARM {0} on {1}: its disk could not be loaded ({2}); the replica starts empty, never serves " +
                               "before its peer rebuilt it with a full copy", _vm.Name, _directory.Self, lost);
                else _disk.Tell(new DiskMirrorActor.KeepOnly([_diskInfo.Index]));
                Execute(_core.Start(Now));
                Timers.StartPeriodicTimer("tick", ReplicaTick.Instance, TimeSpan.FromMilliseconds(20));
                Timers.StartPeriodicTimer("verify", PeriodicVerify.Instance, Context.System.Settings.Config.GetTimeSpan("lockstep.verify-every", TimeSpan.FromMinutes(10)));
                break;
        }
    }

    /// <summary>One message handled longer than this is logged: this VM's clients and peer waited that long.</summary>
    private const long SlowStepMs = 500;

    protected override void OnCommand(object message)
    {
        var started = Stopwatch.GetTimestamp();
        Handle(message);
        var took = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (took >= SlowStepMs)
            _log.Warning("{0} on {1}: handling a {2} took {3} ms; this VM served nobody meanwhile", _vm.Name, _directory.Self,
                message.GetType().Name, took);
    }

    private void Handle(object message)
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
            case PeerEnvelopeProto envelope when envelope.FromHost != _core.Peer:
                // A host this VM was moved away from (re-protected onto a spare) that came back: not this replica's peer.
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
                if (_directory.Placement.Find(_vm.Name)?.PeerOf(_directory.Self) is { } placed && placed != _core.Peer && _core.Peer is not null)
                    Execute(_core.Handle(new ReplacePeer(placed), Now));
                Execute(_core.Handle(Tick.Instance, Now));
                MaybeCheckpoint();
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
                MaybeTakeStatusDigest();
                break;
            case StatusDigestTaken taken:
                _digesting = false;
                (_digest, _digestIndex) = (taken.Digest, taken.Index);
                _nextDigestAtMs = Now + taken.TookMs * DigestCostFactor;
                break;
            case DumpRequest:
                Sender.Tell(new DumpResponse(_core.AppliedIndex, _vm.Kind, _core.Guest.Snapshot()));
                break;
            case DiskMirrorActor.DiskWritten written:
                DiskWritten(written);
                break;
            case DiskMirrorActor.DiskWriteFailed failed:
                _disksInFlight.Remove(failed.Index);
                // The copy is not durable: start again from the journal; the peer sends the copy again.
                if (_install?.Snapshot.AppliedIndex == failed.Index && failed.Generation == _generation)
                    throw new IOException($"writing the full copy of {_vm.Name} from the peer to disk failed: {failed.Error}");
                _checkpointing = false;
                _log.Warning("checkpoint of {0} at input {1} failed (the journal keeps growing until a later one): {2}", _vm.Name,
                    failed.Index, failed.Error);
                break;
            case SaveSnapshotSuccess success when _savingBySequenceNr.Remove(success.Metadata.SequenceNr, out var saved):
                SnapshotSaved(success.Metadata.SequenceNr, saved);
                break;
            case SaveSnapshotFailure failure when _savingBySequenceNr.Remove(failure.Metadata.SequenceNr, out var unsaved):
                _disksInFlight.Remove(unsaved.Index);
                if (unsaved.Install)
                    throw new InvalidOperationException($"saving the full copy of {_vm.Name} from the peer failed: {failure.Cause.Message}");
                _checkpointing = false;
                _log.Warning("checkpoint of {0} failed: {1}", _vm.Name, failure.Cause.Message);
                break;
            case DeleteMessagesFailure failure:
                _log.Warning("truncating the journal of {0} failed (it keeps growing until a later snapshot): {1}", _vm.Name, failure.Cause.Message);
                break;
            case Unprotect:
                Execute(_core.Handle(Unprotecting.Instance, Now));
                _deleting = true;
                _directory.RemoveLocalReplica(_vm.Name);
                DeleteDiskFolder();
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
                    foreach (var entry in e.Entries) _journalBytesSinceCheckpoint += entry.Command.Length;
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
                    WriteInstalledCopy(p);
                    break;
                case SendToPeer send:
                    if (_core.Peer is not { } peer || _directory.Faults.Cuts(peer)) break;
                    var envelope = send.Message.ToEnvelope(_vm.Name, _directory.Self);
                    // The peer's replication connection (a round trip over Akka.Remote cost each write ~0.75 ms more, and
                    // full copies on it held up heartbeats); Akka.Remote while that connection is down.
                    var linked = _directory.ReplicationLinks?.TrySend(peer, envelope) == true;
                    if (send.Message is SnapshotChunk { Offset: 0 } first)
                        _log.Info("{0} on {1}: full copy at index {2} to {3} over {4}", _vm.Name, _directory.Self, first.SnapshotIndex, peer,
                            linked ? $"the replication connection to {_directory.ReplicationEndpointOf(peer)}" : "Akka.Remote");
                    if (!linked) _directory.PeerManager(peer)?.Tell(envelope, Self);
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
    /// Makes a full copy from the peer this replica's disk: the disk file, then a snapshot naming it. Entries appended
    /// after the copy meanwhile are acknowledged to the core only after it (writes complete in order for the core).
    /// </summary>
    private void WriteInstalledCopy(PersistSnapshot copy)
    {
        _installOp = copy.OpId;
        _install = copy;
        _heldPersisted = 0;
        _generation++;
        var index = copy.Snapshot.AppliedIndex;
        // Received straight into its disk file, that file is the disk already; unless a checkpoint at the same index is
        // still being written (a diverged replica's), whose file would replace it: then the copy is written after it.
        var inFlight = _disksInFlight.Contains(index);
        _disksInFlight.Add(index);
        if (copy.Durable is { } durable && !inFlight)
            DiskWritten(new DiskMirrorActor.DiskWritten(index, DiskImage.FileName(index), DiskImage.HeaderBytes + durable.Length,
                durable.Digest, _generation));
        else _disk.Tell(new DiskMirrorActor.WriteDisk(index, copy.Durable is null ? new BytesImage(copy.Snapshot.Machine) : _core.Machine.Freeze(),
            _generation));
    }

    private void InstallSaved()
    {
        var upTo = Math.Max(_installOp, _heldPersisted);
        _installOp = 0;
        _install = null;
        Execute(_core.Handle(new LocalPersisted(upTo), Now));
    }

    /// <summary>
    /// Rewriting the whole disk costs its size, so besides every <c>snapshotEvery</c> inputs a checkpoint of a large
    /// disk also waits until the journal grew by half the disk: the total checkpoint cost stays proportional to what
    /// was written, however large the state (a replica catching up on a million inputs writes its disk a few times,
    /// not dozens). Small disks are cheap to rewrite and keep the journal short.
    /// </summary>
    private void MaybeCheckpoint()
    {
        if (_checkpointing || _installOp > 0) return;
        if (_core.AppliedIndex - _checkpointStartIndex < _directory.Options.SnapshotEvery ||
            _diskInfo.Bytes > PacedCheckpointDiskBytes && _journalBytesSinceCheckpoint < _diskInfo.Bytes / 2) return;
        _checkpointing = true;
        _checkpointStartIndex = _core.AppliedIndex;
        _journalBytesSinceCheckpoint = 0;
        var index = _core.AppliedIndex;
        _disksInFlight.Add(index);
        _pendingCapture = new CaptureCheckpoint(index, _core.AppliedEpochAt(index));
        _disk.Tell(new DiskMirrorActor.WriteDisk(index, _core.Machine.Freeze(), _generation));
    }

    private CaptureCheckpoint? _pendingCapture;
    private const long PacedCheckpointDiskBytes = 16 << 20;

    /// <summary>
    /// A disk file is durable: save the snapshot that names it. Its tail is every log entry after it now, because
    /// recovery replays only the journal events written after the snapshot.
    /// </summary>
    private void DiskWritten(DiskMirrorActor.DiskWritten written)
    {
        PendingDisk pending;
        if (written.Generation != _generation)
        {
            // Captured before a full copy replaced the state: worthless now (a copy at the same index overwrote the
            // file after it, and its own answer follows).
            if (_install?.Snapshot.AppliedIndex != written.Index) _disksInFlight.Remove(written.Index);
            _checkpointing = false;
            return;
        }
        if (_install is { } install && install.Snapshot.AppliedIndex == written.Index)
            pending = new PendingDisk(written.Index, install.Snapshot.AppliedEpoch, written, Install: true);
        else if (_pendingCapture is { } capture && capture.Index == written.Index)
            pending = new PendingDisk(written.Index, capture.AppliedEpoch, written, Install: false);
        else
        {
            _disksInFlight.Remove(written.Index);
            _checkpointing = false;
            return;
        }
        _pendingCapture = null;
        if (_savingBySequenceNr.ContainsKey(LastSequenceNr))
        {
            // Another snapshot is being saved at this sequence number (a checkpoint, then a full copy with no journal
            // write between): a no-op event keeps the two apart, so neither's completion is taken for the other's.
            PersistAsync(new EpochPromisedEvent { Epoch = _core.Epoch }, _ => SaveCheckpoint(pending));
            return;
        }
        SaveCheckpoint(pending);
    }

    private void SaveCheckpoint(PendingDisk pending)
    {
        var checkpoint = new DiskCheckpointProto
        {
            Epoch = _core.Epoch, AppliedIndex = pending.Index, AppliedEpoch = pending.AppliedEpoch, File = pending.Written.File,
            Bytes = pending.Written.Bytes, Digest = ByteString.CopyFrom(pending.Written.Digest),
        };
        checkpoint.Tail.AddRange(_core.TailAfter(pending.Index).Select(ProtoMapping.ToProto));
        _savingBySequenceNr[LastSequenceNr] = pending;
        SaveSnapshot(checkpoint);
    }

    private long _newestSavedSequenceNr;

    private void SnapshotSaved(long sequenceNr, PendingDisk saved)
    {
        _disksInFlight.Remove(saved.Index);
        if (sequenceNr < _newestSavedSequenceNr)
        {
            // Completed after a newer snapshot (which covers it): nothing to truncate or clean up; its file goes later.
            if (saved.Install) InstallSaved();
            else _checkpointing = false;
            return;
        }
        _newestSavedSequenceNr = sequenceNr;
        DeleteSnapshots(new SnapshotSelectionCriteria(sequenceNr - 1));
        // Recovery starts at this snapshot: the events before it are never read again.
        DeleteMessages(sequenceNr);
        _diskInfo = new DiskInfo(saved.Index, saved.Written.Bytes, Convert.ToHexString(saved.Written.Digest, 0, 8).ToLowerInvariant(), null);
        _disk.Tell(new DiskMirrorActor.KeepOnly([saved.Index, .. _disksInFlight]));
        _core.Compact(_directory.Options.RetainInputs, saved.Index);
        if (saved.Install) InstallSaved();
        else _checkpointing = false;
    }

    // Unprotect: the disk goes with the journal. A file that cannot be removed is overwritten or cleaned up by the
    // next replica of that name.
    private void DeleteDiskFolder()
    {
        try
        {
            if (Directory.Exists(DiskFolder)) Directory.Delete(DiskFolder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("could not remove the disk of {0} at {1}: {2}", _vm.Name, DiskFolder, e.Message);
        }
    }

    /// <summary>Loads the disk a snapshot names; a disk that cannot be loaded leaves the replica empty, to be rebuilt.</summary>
    private void RecoverDisk(DiskCheckpointProto checkpoint)
    {
        var path = Path.Combine(DiskFolder, checkpoint.File);
        try
        {
            var (index, payload) = DiskImage.Read(path);
            if (index != checkpoint.AppliedIndex)
                throw new InvalidDataException($"{path} holds input {index}, its snapshot names input {checkpoint.AppliedIndex}");
            _core.RecoverSnapshot(new ReplicaSnapshot(checkpoint.Epoch, checkpoint.AppliedIndex, checkpoint.AppliedEpoch, payload,
                checkpoint.Tail.FromProto()));
            _checkpointStartIndex = index;
            _diskInfo = new DiskInfo(index, checkpoint.Bytes, Convert.ToHexString(checkpoint.Digest.Span[..Math.Min(8, checkpoint.Digest.Length)]).ToLowerInvariant(), null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or EndOfStreamException or ArgumentException)
        {
            _core.RecoverLostDisk(checkpoint.Epoch);
            _diskInfo = new DiskInfo(0, 0, "", e.Message);
        }
    }

    private string _digest = "";
    private long _digestIndex = -1;
    private long _nextDigestAtMs = long.MinValue / 2;
    private bool _digesting;
    private const int DigestCostFactor = 100;

    /// <summary>A status digest of the state at Index, taken off the replica's thread as far as the guest allows, in TookMs.</summary>
    private sealed record StatusDigestTaken(long Index, string Digest, long TookMs);

    /// <summary>
    /// The guest's digest for `vm show`, as last taken, and the index it was taken at. A large state takes seconds to
    /// read, so the guest freezes it here where it can (cheap for one that shares its state) and it is hashed on the
    /// thread pool; status is polled often (every 50 ms by a watching operator or a benchmark), so a digest that took
    /// d is taken again only after 100 d. None is taken while a full copy goes out or comes in: hashing a gigabyte for
    /// the display took CPU the copy needed (both share the host's cores), and the copy is checked by its own digest.
    /// </summary>
    private void MaybeTakeStatusDigest()
    {
        if (_digesting || _digestIndex == _core.AppliedIndex || Now < _nextDigestAtMs || _core.Copying) return;
        _digesting = true;
        var index = _core.AppliedIndex;
        var started = Stopwatch.GetTimestamp();
        var digest = _core.Guest.DigestLater();
        var self = Self;
        _ = Task.Run(() => self.Tell(new StatusDigestTaken(index, Convert.ToHexString(digest(), 0, 8).ToLowerInvariant(),
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)));
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
            HashChain = _core.HashHex, Digest = _digest, DigestIndex = _digestIndex,
            VerifiedIndex = _core.VerifiedIndex,
            DiskIndex = _diskInfo.Index, DiskBytes = _diskInfo.Bytes, DiskDigest = _diskInfo.Digest, DiskError = _diskInfo.Error ?? "",
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
