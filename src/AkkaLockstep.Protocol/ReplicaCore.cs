namespace AkkaLockstep.Protocol;

/// <summary>
/// The lockstep protocol for one replica of one VM, as a pure state machine: commands in, effects out, no
/// I/O, clocks or threads. Time arrives as an argument; randomness comes from a seeded generator.
/// Log matching follows Raft (entries carry the epoch of the primary that sequenced them; a secondary
/// accepts entries only after (PrevIndex, PrevEpoch) matches and discards a conflicting tail). Both replicas
/// must hold an entry durably before it commits (output rule); the primary applies at commit, the secondary
/// applies only entries the primary has declared committed, so no guest ever applies an input that a later
/// epoch discards.
/// </summary>
public sealed partial class ReplicaCore
{
    private readonly ReplicaOptions _options;
    private readonly ReplicaLog _log = new();
    private readonly ReplicatedMachine _machine;
    private readonly Queue<PendingOp> _ops = new();
    private List<Effect> _effects = [];
    private SplitMix64 _random;
    private long _nextOpId = 1;
    private long _now;
    private bool _started;

    /// <param name="peer">The other replica, or null for an unprotected VM: one replica, journal on, no peer.</param>
    public ReplicaCore(string self, string? peer, bool preferredPrimary, string incarnation, IGuest guest, ulong seed,
        ReplicaOptions? options = null)
    {
        Self = self;
        Peer = peer;
        PreferredPrimary = preferredPrimary;
        Incarnation = incarnation;
        _options = options ?? new ReplicaOptions();
        _machine = new ReplicatedMachine(guest, _options.SessionTtlMs);
        _random = new SplitMix64(seed);
    }

    public string Self { get; }
    public string? Peer { get; private set; }

    /// <summary>An unprotected single replica: it commits what its own journal holds.</summary>
    public bool Solo => Peer is null;
    public bool PreferredPrimary { get; }
    public string Incarnation { get; }
    public ReplicaRole Role { get; private set; } = ReplicaRole.Joining;
    /// <summary>Highest epoch this replica has seen and promised not to go below.</summary>
    public long Epoch { get; private set; }
    public long LastIndex => _log.LastIndex;
    public long DurableIndex { get; private set; }
    public long CommitIndex { get; private set; }
    public long AppliedIndex => _machine.AppliedIndex;
    public string HashHex => _machine.Hash.Hex;
    public byte[] HashValue => _machine.Hash.Value;
    public IGuest Guest => _machine.Guest;
    public ReplicatedMachine Machine => _machine;
    public bool Diverged { get; private set; }

    /// <summary>
    /// Secondary: the highest index at which this replica's hash chain was found equal to the primary's. The chain
    /// covers every input and output before it, so both replicas computed the same up to there.
    /// </summary>
    public long VerifiedIndex { get; private set; }

    /// <summary>
    /// A primary running alone after its peer was lost (witness-granted, or forced by an operator: see
    /// <see cref="Forced"/>); it commits what it holds durably.
    /// </summary>
    public bool Simplex => Role == ReplicaRole.Primary && _simplex;

    /// <summary>The witness refused this replica's failover claim: it answers no client until it rejoins as secondary.</summary>
    public bool Fenced { get; private set; }

    /// <summary>The log entry at <paramref name="index"/>, or null when it is not (or no longer) in memory.</summary>
    public Input? LogEntry(long index) => _log.Contains(index) ? _log.Get(index) : null;
    /// <summary>
    /// True when this primary's peer holds every committed entry and acknowledges new ones, and every entry this
    /// primary inherited from earlier epochs has committed (after a restart of both replicas CommitIndex starts at
    /// the applied index, so "peer holds every committed entry" alone would be true before the peer answered once).
    /// </summary>
    public bool Duplex => Role == ReplicaRole.Primary && !_simplex && CommitIndex >= _inheritedLastIndex && _peerMatch >= CommitIndex &&
                          _peerHeardMs >= _now - 3 * _options.HeartbeatIntervalMs;
    public long PeerMatchIndex => _peerMatch;
    /// <summary>The replica believed to be primary, if known.</summary>
    public string? LeaderHint => Role switch
    {
        ReplicaRole.Primary => Self,
        ReplicaRole.Secondary => Peer,
        _ => null,
    };

    // ---- recovery: the shell replays its journal through these before Start ----

    public void RecoverSnapshot(ReplicaSnapshot snapshot)
    {
        EnsureNotStarted();
        _machine.Restore(snapshot.Machine);
        _log.CompactTo(snapshot.AppliedIndex, snapshot.AppliedEpoch);
        foreach (var input in snapshot.Tail) _log.Append(input);
        Epoch = Math.Max(Epoch, snapshot.Epoch);
    }

    public void RecoverEpoch(long epoch)
    {
        EnsureNotStarted();
        Epoch = Math.Max(Epoch, epoch);
    }

    /// <summary>
    /// The disk a snapshot names could not be loaded (missing, truncated, damaged): this replica keeps its promised
    /// epoch but holds no state and no entries, so it never wins a claim against a peer that holds any, and its
    /// peer rebuilds it with a full copy. The journal entries after the snapshot no longer follow anything it holds.
    /// </summary>
    public void RecoverLostDisk(long epoch)
    {
        EnsureNotStarted();
        Epoch = Math.Max(Epoch, epoch);
        // Nothing was restored: the machine is still the empty one it was created with, and the log is empty.
        _diskLost = true;
    }

    private bool _diskLost;

    public void RecoverEntries(IReadOnlyList<Input> entries)
    {
        EnsureNotStarted();
        if (_diskLost) return;
        foreach (var input in entries)
        {
            if (input.Index <= _log.BaseIndex) continue;
            if (input.Index <= _log.LastIndex) _log.TruncateFrom(input.Index);
            _log.Append(input);
        }
    }

    public void RecoverTruncate(long fromIndex)
    {
        EnsureNotStarted();
        if (_diskLost) return;
        if (fromIndex > _log.BaseIndex) _log.TruncateFrom(fromIndex);
    }

    private void EnsureNotStarted()
    {
        if (_started) throw new InvalidOperationException("recovery after start");
    }

    /// <summary>Everything recovered is durable; start as a joining replica and look for the peer.</summary>
    public IReadOnlyList<Effect> Start(long nowMs)
    {
        _started = true;
        _now = nowMs;
        _startedMs = nowMs;
        DurableIndex = _log.LastIndex;
        _durableEpoch = Epoch;
        CommitIndex = AppliedIndex;
        _matched = AppliedIndex;
        SetRole(ReplicaRole.Joining);
        if (Solo) ClaimNextEpoch(Epoch + 1);
        else SendProbe(isReply: false);
        return Flush();
    }

    public IReadOnlyList<Effect> Handle(CoreCommand command, long nowMs)
    {
        if (!_started) throw new InvalidOperationException("Start must be called first");
        if (nowMs - _now > _options.DeafGapMs) _listeningSinceMs = nowMs;
        _now = Math.Max(_now, nowMs);
        // Any message from the peer is a heartbeat.
        if (command is PeerReceived && !Solo) _peerHeardMs = _now;
        switch (command)
        {
            case ClientRequest request: OnClientRequest(request); break;
            case LocalPersisted persisted: OnLocalPersisted(persisted.OpId); break;
            case PeerReceived { Message: Append append }: OnAppend(append); break;
            case PeerReceived { Message: AppendReply reply }: OnAppendReply(reply); break;
            case PeerReceived { Message: Probe probe }: OnProbe(probe); break;
            case PeerReceived { Message: SnapshotChunk chunk }: OnSnapshotChunk(chunk); break;
            case PeerReceived { Message: CopyAck ack }: OnCopyAck(ack); break;
            case PeerReceived { Message: Retire retire }: OnPeerRetired(retire); break;
            case Unprotecting: Emit(new SendToPeer(new Retire(Incarnation))); break;
            case Tick: OnTick(); break;
            case EpochGranted granted: OnEpochGranted(granted.Epoch, granted.RequestedAtMs); break;
            case LeaseAnswered answer: OnLeaseAnswered(answer); break;
            case EpochRefused refused: OnEpochRefused(refused.Epoch, refused.GrantedEpoch, refused.RequestedAtMs); break;
            case ForceSimplex force: OnForceSimplex(force); break;
            case ReplacePeer replace: OnReplacePeer(replace.NewPeer); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name);
        }
        return Flush();
    }

    private IReadOnlyList<Effect> Flush()
    {
        var effects = _effects;
        _effects = [];
        return effects;
    }

    private void Emit(Effect effect) => _effects.Add(effect);

    private void SetRole(ReplicaRole role)
    {
        Role = role;
        // Every way out of leading (stepping down, following a newer primary) passes here.
        if (_forced && role is ReplicaRole.Joining or ReplicaRole.Secondary) AbandonForce();
        Emit(new RoleChanged(role, Epoch));
        // A new primary releases them once it can sequence (BecomePrimary).
        if (role != ReplicaRole.Primary) ReleaseHeld();
    }

    // ---- durability: persist operations complete in the order they were issued ----

    private enum OpKind : byte { Epoch, Entries, Truncate, Snapshot }

    private sealed class PendingOp(long id, OpKind kind, long value, long first, long last)
    {
        public long Id { get; } = id;
        public OpKind Kind { get; } = kind;
        public long Value { get; } = value;
        public long First { get; } = first;
        public long Last { get; set; } = last;
    }

    private long _durableEpoch;

    private void PersistEpochOp(long epoch)
    {
        var op = new PendingOp(_nextOpId++, OpKind.Epoch, epoch, 0, 0);
        _ops.Enqueue(op);
        Emit(new PersistEpoch(op.Id, epoch));
    }

    private void PersistEntriesOp(IReadOnlyList<Input> entries)
    {
        var op = new PendingOp(_nextOpId++, OpKind.Entries, 0, entries[0].Index, entries[^1].Index);
        _ops.Enqueue(op);
        Emit(new PersistEntries(op.Id, entries));
    }

    /// <summary>Discards the log tail from <paramref name="fromIndex"/> in memory and in the journal.</summary>
    private void TruncateOp(long fromIndex)
    {
        if (fromIndex <= AppliedIndex)
            throw new InvalidOperationException($"protocol violation: truncating applied entry {fromIndex} (applied {AppliedIndex})");
        _log.TruncateFrom(fromIndex);
        // Pending writes of the discarded entries no longer make anything in the in-memory log durable.
        foreach (var pending in _ops)
            if (pending.Kind == OpKind.Entries && pending.Last >= fromIndex)
                pending.Last = Math.Max(pending.First - 1, fromIndex - 1);
        DurableIndex = Math.Min(DurableIndex, fromIndex - 1);
        _matched = Math.Min(_matched, fromIndex - 1);
        var op = new PendingOp(_nextOpId++, OpKind.Truncate, fromIndex, 0, 0);
        _ops.Enqueue(op);
        Emit(new PersistTruncate(op.Id, fromIndex));
    }

    private void OnLocalPersisted(long opId)
    {
        while (_ops.Count > 0 && _ops.Peek().Id <= opId)
        {
            var op = _ops.Dequeue();
            switch (op.Kind)
            {
                case OpKind.Epoch: _durableEpoch = Math.Max(_durableEpoch, op.Value); break;
                case OpKind.Entries when op.Last >= op.First: DurableIndex = Math.Max(DurableIndex, op.Last); break;
                case OpKind.Snapshot: DurableIndex = Math.Max(DurableIndex, op.Value); break;
            }
        }
        switch (Role)
        {
            case ReplicaRole.Primary: AdvanceCommit(); break;
            case ReplicaRole.Candidate: MaybeBecomePrimary(); break;
            case ReplicaRole.Secondary: AckAndApply(); break;
        }
    }

    // ---- applying committed inputs ----

    private void ApplyUpTo(long target)
    {
        while (AppliedIndex < target)
        {
            var input = _log.Get(AppliedIndex + 1);
            var result = _machine.Apply(input);
            if (Role == ReplicaRole.Primary) CompleteWaiters(input, result);
            else CheckHash(input.Index);
        }
    }

    // ---- snapshots ----

    public ReplicaSnapshot CaptureSnapshot() =>
        new(Epoch, AppliedIndex, AppliedEpochAt(AppliedIndex), _machine.Snapshot(), TailAfter(AppliedIndex).ToArray());

    /// <summary>The epoch of the entry at <paramref name="index"/> (applied, so known or at the compaction base).</summary>
    public long AppliedEpochAt(long index) => _log.EpochAt(index) is var e and >= 0 ? e : _log.BaseEpoch;

    /// <summary>The log entries after <paramref name="index"/> still in memory (a checkpoint's tail).</summary>
    public IReadOnlyList<Input> TailAfter(long index) => _log.Range(Math.Max(index, _log.BaseIndex) + 1, int.MaxValue);

    /// <summary>
    /// Drops applied entries from memory up to the durable state at <paramref name="durableIndex"/>, keeping
    /// <paramref name="retain"/> of them for a lagging peer. The entries after that state stay: a full copy sends
    /// the durable disk and then them.
    /// </summary>
    public void Compact(long retain, long durableIndex)
    {
        var upTo = Math.Min(AppliedIndex - retain, durableIndex);
        // The entries after a full copy still moving must follow it.
        if (_copyOut is { } copy) upTo = Math.Min(upTo, copy.Index);
        if (upTo > _log.BaseIndex) _log.CompactTo(upTo, _log.EpochAt(upTo));
    }

    /// <summary>
    /// The peer said its VM is no longer protected: this replica is on its way out too, so no failover is claimed
    /// against the peer (a force from the operator still works).
    /// </summary>
    public bool PeerRetired { get; private set; }

    private void OnPeerRetired(Retire retire)
    {
        if (PeerRetired) return;
        PeerRetired = true;
        Emit(new Notice($"{Peer} ({retire.Incarnation}) is removed because this VM is no longer protected: no failover against it"));
    }

    // ---- probing ----

    private long _lastProbeMs = long.MinValue / 2;

    private void SendProbe(bool isReply)
    {
        if (Solo) return;
        Emit(new SendToPeer(new Probe(Epoch, _log.EpochAt(DurableIndex), DurableIndex, Role, isReply, Incarnation)));
        if (!isReply) _lastProbeMs = _now;
    }

    /// <summary>When this replica last started running again after a gap (see <see cref="ReplicaOptions.DeafGapMs"/>).</summary>
    private long _listeningSinceMs = long.MinValue / 2;

    /// <summary>The peer said nothing for the timeout, and this replica was running to hear it for three heartbeats of that.</summary>
    private bool PeerSilent => _now - _peerHeardMs > _options.PeerTimeoutMs &&
                               _now - _listeningSinceMs >= 3 * _options.HeartbeatIntervalMs;

    private void OnTick()
    {
        ReleaseHeld();
        if (Role is ReplicaRole.Primary or ReplicaRole.Secondary && !Solo && !_simplex && !PeerRetired &&
            PeerSilent && (Role == ReplicaRole.Primary || FitToTakeOver))
        {
            StartFailover();
            return;
        }
        if (Role == ReplicaRole.Primary && !PeerRetired && PeerStalled())
        {
            Emit(new Alarm($"{Peer} answers but made nothing durable for {_now - _peerKeptUpMs} ms while entries waited on it " +
                           "(its disk may be full or failing): going on alone"));
            StartFailover();
            return;
        }
        switch (Role)
        {
            case ReplicaRole.Primary:
                if (_forced) ForcedTick();
                else if (_simplex) SimplexTick();
                PrimaryTick();
                break;
            case ReplicaRole.Joining when Solo: ClaimNextEpoch(Epoch + 1); break;
            case ReplicaRole.Joining when _now - _lastProbeMs >= _options.ProbeIntervalMs: SendProbe(isReply: false); break;
            case ReplicaRole.Candidate when _claimEpoch > 0 && _now - _claimSentMs >= _options.ClaimRetryMs:
                EmitClaim();
                break;
        }
    }
}
