namespace AkkaLockstep.Protocol;

/// <summary>The primary: sequencing, batching, pipelining to the peer, commit and replies.</summary>
public sealed partial class ReplicaCore
{
    private sealed class Waiting(Guid session, long requestNo, byte[] command, object token)
    {
        public Guid Session { get; } = session;
        public long RequestNo { get; } = requestNo;
        public byte[] Command { get; } = command;
        public object Token { get; } = token;
        public List<object>? MoreTokens { get; set; }
    }

    private readonly Queue<Waiting> _pending = new();
    private readonly Dictionary<(Guid, long), Waiting> _pendingByRequest = new();
    // Requests sequenced but not yet applied, by (session, request number), so a retry attaches to its entry.
    private readonly Dictionary<(Guid, long), long> _inLog = new();
    private readonly Dictionary<long, Waiting> _waiters = new();
    private readonly Queue<long> _uncommittedBatchEnds = new();
    private long _lastTimestamp;
    private long _peerNext;
    private long _peerMatch;
    private long _peerRewind;
    // Where the peer's latest refusal said its log stands (it holds nothing that matches beyond it).
    private long _peerHint;
    private long _peerProgressMs;
    // Last time the peer held everything this primary made durable, or acknowledged more of it.
    private long _peerKeptUpMs;
    private long _peerHeardMs;
    private long _lastSendMs;
    private long _lastCheckSent;
    private string? _peerIncarnation;
    private string? _peerRepairIncarnation;
    private bool _simplex;
    // Highest index this primary may have committed without its peer holding it; see Append.TakeoverIndex.
    private long _takeoverIndex;
    // This simplex primary may commit alone until then (its own clock); see WitnessRegister.
    private long _leaseValidUntil;
    private long _lastLeaseRequestMs;
    // The last log index when this replica became primary: entries up to it came from earlier epochs.
    private long _inheritedLastIndex;
    // Index of this epoch's opening no-op: nothing commits before it does (Raft's rule for earlier-epoch entries).
    private long _epochStartIndex;

    /// <summary>Requests queued at this primary, not yet sequenced.</summary>
    public int PendingRequests => _pending.Count;

    private void Serve(ClientRequest request)
    {
        if (Role != ReplicaRole.Primary)
        {
            var status = Role == ReplicaRole.Secondary ? ReplyStatus.NotPrimary : ReplyStatus.Unavailable;
            Emit(new Reply(request.Token, status, [], LeaderHint));
            return;
        }
        var key = (request.SessionId, request.RequestNo);
        if (_machine.Sessions.TryGet(request.SessionId, out var session) && request.RequestNo <= session.RequestNo)
        {
            // Already applied: the stored output is durable on both replicas.
            var answer = request.RequestNo == session.RequestNo
                ? new Reply(request.Token, ReplyStatus.Ok, session.Output, Self)
                : new Reply(request.Token, ReplyStatus.Stale, [], Self);
            Emit(answer);
            return;
        }
        if (_inLog.TryGetValue(key, out var index) || _pendingByRequest.ContainsKey(key))
        {
            var existing = _inLog.ContainsKey(key) ? _waiters.GetValueOrDefault(index) : _pendingByRequest[key];
            if (existing is null)
                _waiters[index] = new Waiting(request.SessionId, request.RequestNo, request.Command, request.Token);
            else
                (existing.MoreTokens ??= []).Add(request.Token);
            return;
        }
        var waiting = new Waiting(request.SessionId, request.RequestNo, request.Command, request.Token);
        _pending.Enqueue(waiting);
        _pendingByRequest[key] = waiting;
        Sequence();
    }

    /// <summary>Turns queued requests into batches while the pipeline has room.</summary>
    private void Sequence()
    {
        while (_pending.Count > 0 && _uncommittedBatchEnds.Count < _options.MaxInFlightBatches)
        {
            var batch = new List<Input>(Math.Min(_pending.Count, _options.MaxBatchInputs));
            var bytes = 0;
            while (_pending.Count > 0 && batch.Count < _options.MaxBatchInputs &&
                   (batch.Count == 0 || bytes + _pending.Peek().Command.Length <= _options.MaxBatchBytes))
            {
                var waiting = _pending.Dequeue();
                _pendingByRequest.Remove((waiting.Session, waiting.RequestNo));
                _lastTimestamp = Math.Max(_lastTimestamp, _now);
                var input = new Input(_log.LastIndex + 1, Epoch, _lastTimestamp, _random.Next(), waiting.Session,
                    waiting.RequestNo, waiting.Command);
                _log.Append(input);
                _inLog[(waiting.Session, waiting.RequestNo)] = input.Index;
                _waiters[input.Index] = waiting;
                batch.Add(input);
                bytes += waiting.Command.Length;
            }
            PersistEntriesOp(batch);
            _uncommittedBatchEnds.Enqueue(batch[^1].Index);
        }
        SendToPeerWhileRoom();
    }

    private void SendToPeerWhileRoom()
    {
        if (Solo) return;
        while (_peerNext <= _log.LastIndex && _peerNext - _peerMatch - 1 < _options.MaxUnackedEntries &&
               _log.BytesBetween(_peerMatch, _peerNext - 1) < _options.MaxUnackedBytes)
        {
            if (_peerNext <= _log.BaseIndex && !PumpFullCopy()) return;
            // Catch-up messages obey the batch byte limit too: large inputs would otherwise exceed the transport's frame size.
            var entries = _log.Range(_peerNext, _options.MaxCatchUpEntries, _options.MaxBatchBytes);
            SendAppend(entries);
            _peerNext += entries.Count;
        }
    }

    private void SendAppend(IReadOnlyList<Input> entries)
    {
        if (Solo) return;
        // A heartbeat to a peer that needs compacted entries names the oldest entry whose epoch is still known: the
        // peer answers with where its log ends and gets a full copy.
        var prev = Math.Max(_peerNext - 1, _log.BaseIndex);
        long checkIndex = 0;
        byte[]? checkHash = null;
        if (AppliedIndex > _lastCheckSent)
        {
            checkIndex = AppliedIndex;
            checkHash = _machine.Hash.Value;
            _lastCheckSent = AppliedIndex;
        }
        // While simplex this primary may commit what the secondary never sees: no takeover until duplex again.
        var takeover = _simplex ? long.MaxValue : _takeoverIndex;
        Emit(new SendToPeer(new Append(Epoch, prev, _log.EpochAt(prev), entries, CommitIndex, checkIndex, checkHash, takeover)));
        _lastSendMs = _now;
    }

    private void OnAppendReply(AppendReply reply)
    {
        if (reply.Epoch > Epoch)
        {
            StepDown(reply.Epoch);
            return;
        }
        if (Role != ReplicaRole.Primary || reply.Epoch < Epoch) return;
        _peerHeardMs = _now;
        _peerIncarnation = reply.Incarnation;
        if (reply.Diverged)
        {
            // Repair: the secondary's state is replaced by a full copy of this primary's (the copy clears its flag).
            // Its replies say so until the copy is installed: a copy still moving is not started again.
            var underWay = _copyOut is { } copy && _now - copy.ProgressMs < FullCopyInstallWaitMs(copy.Length);
            if (_peerRepairIncarnation != reply.Incarnation || !underWay)
            {
                Emit(new Alarm($"divergence reported by {Peer}: replicas' hash chains differ; repairing it with a full copy"));
                _peerRepairIncarnation = reply.Incarnation;
                PumpFullCopy(fresh: true);
                return;
            }
        }
        _peerAnswered = true;
        if (reply.Success)
        {
            if (reply.MatchIndex > _peerMatch)
            {
                _peerMatch = Math.Min(reply.MatchIndex, _log.LastIndex);
                _peerProgressMs = _now;
                _peerKeptUpMs = _now;
                // A diverged peer holds the entries but not a state to trust: its repair copy goes on (dropped, it was
                // started again at every write and never finished while clients wrote).
                if (_copyOut is { } done && _peerMatch >= done.Index && !reply.Diverged) DropCopyOut();
                if (_peerMatch >= _peerRewind) _peerRewind = 0;
            }
            _peerNext = Math.Max(_peerNext, _peerMatch + 1);
            AdvanceCommit();
        }
        else
        {
            _peerHint = reply.HintIndex;
            var target = Math.Max(_peerMatch + 1, reply.HintIndex + 1);
            // Replies to appends that were already in flight repeat the same hint; rewind once per hint.
            if (target < _peerNext && (_peerRewind == 0 || target < _peerRewind))
            {
                _peerNext = target;
                _peerRewind = target;
            }
        }
        SendToPeerWhileRoom();
    }

    private void AdvanceCommit()
    {
        // Entries of earlier epochs commit only together with one of this epoch: otherwise a log that still ends in
        // an old epoch could lose an election of logs to a peer that holds a different entry at the same index.
        if (Math.Min(DurableIndex, Solo || _simplex ? DurableIndex : _peerMatch) < _epochStartIndex) return;
        // Back to duplex once the returning peer holds everything committed alone; the lease is no longer needed.
        if (_simplex && _peerMatch >= CommitIndex && _peerMatch > 0)
        {
            _simplex = false;
            // A forced epoch that the witness never registered holds no lease to release; duplex needs no witness.
            if (_forced) _forced = false;
            else Emit(new RenewLease(Epoch, 0, _now));
        }
        // Simplex, commit only under a live lease: otherwise the witness may already have granted a newer epoch.
        // A forced primary commits on the operator's authority instead.
        if (_simplex && !_forced && _now >= _leaseValidUntil) return;
        var commit = Solo || _simplex ? DurableIndex : Math.Min(DurableIndex, _peerMatch);
        if (commit <= CommitIndex) return;
        CommitIndex = commit;
        if (_simplex) _takeoverIndex = Math.Max(_takeoverIndex, commit);
        while (_uncommittedBatchEnds.Count > 0 && _uncommittedBatchEnds.Peek() <= commit) _uncommittedBatchEnds.Dequeue();
        ApplyUpTo(commit);
        Sequence();
    }

    private void CompleteWaiters(Input input, ApplyResult result)
    {
        _inLog.Remove((input.SessionId, input.RequestNo));
        if (!_waiters.Remove(input.Index, out var waiting)) return;
        var status = result.Kind == ApplyKind.Stale ? ReplyStatus.Stale : ReplyStatus.Ok;
        Emit(new Reply(waiting.Token, status, result.Output, Self));
        if (waiting.MoreTokens is null) return;
        foreach (var token in waiting.MoreTokens) Emit(new Reply(token, status, result.Output, Self));
    }

    private void SimplexTick()
    {
        if (_now - _lastLeaseRequestMs < _options.LeaseRenewEveryMs) return;
        _lastLeaseRequestMs = _now;
        Emit(new RenewLease(Epoch, _options.LeaseMs, _now));
    }

    private void ExtendLease(long requestedAtMs) =>
        _leaseValidUntil = Math.Max(_leaseValidUntil, requestedAtMs + _options.LeaseMs - _options.LeaseMarginMs);

    private void OnLeaseAnswered(LeaseAnswered answer)
    {
        if (Role != ReplicaRole.Primary || answer.Epoch != Epoch || !_simplex) return;
        if (answer.Renewed)
        {
            ExtendLease(answer.RequestedAtMs);
            AdvanceCommit();
        }
        else
        {
            // The witness moved on to another holder: this replica must not answer alone any more.
            StepDown(Epoch);
        }
    }

    /// <summary>A duplex peer that answers but has made nothing durable for <see cref="ReplicaOptions.PeerStallMs"/>.</summary>
    private bool PeerStalled()
    {
        if (_simplex || Solo || _peerMatch >= DurableIndex) _peerKeptUpMs = _now;
        return _now - _peerKeptUpMs > _options.PeerStallMs;
    }

    private void PrimaryTick()
    {
        // A peer gone quiet mid-copy gets a fresh copy when it answers again; meanwhile the log may be compacted. Capturing
        // a large state takes this replica a while itself, so the wait grows with the copy.
        if (_copyOut is { } copy && _now - _peerHeardMs > FullCopyInstallWaitMs(copy.Length)) DropCopyOut();
        // A copy with pieces lost on the way goes on after its stall time, whether or not the catch-up below pumps it.
        else if (_copyOut is { } unacked && unacked.Acked < unacked.Length) PumpFullCopy();
        if (_peerMatch < _log.LastIndex && _now - _peerProgressMs >= _options.RetransmitAfterMs)
        {
            // Nothing acknowledged for a while: assume messages were lost and resend from the last match, or from where the
            // peer said its log stands if that is further (a returning peer's first catch-up may take longer than this to
            // become durable: resending from entry 1 would have sent it a full copy it does not need).
            _peerNext = Math.Min(Math.Max(_peerMatch, _peerHint), _log.LastIndex) + 1;
            _peerRewind = 0;
            _peerProgressMs = _now;
            SendToPeerWhileRoom();
        }
        if (_now - _lastSendMs >= _options.HeartbeatIntervalMs) SendAppend([]);
    }

    /// <summary>What this replica knows of its peer's log and copy, learnt afresh (a new role, or a new peer).</summary>
    private void ForgetPeerProgress()
    {
        _peerNext = _log.LastIndex + 1;
        _peerMatch = 0;
        _peerHint = 0;
        _peerAnswered = false;
        _peerRewind = 0;
        _peerProgressMs = _now;
        _peerKeptUpMs = _now;
        _peerHeardMs = _now;
        _lastCheckSent = 0;
        DropCopyOut();
        _copyIn?.Dispose();
        _copyIn = null;
    }

    private void BecomePrimary(bool simplex)
    {
        _simplex = simplex;
        _takeoverIndex = _log.LastIndex;
        _lastLeaseRequestMs = _now;
        Fenced = false;
        SetRole(ReplicaRole.Primary);
        _inheritedLastIndex = _log.LastIndex;
        ForgetPeerProgress();
        _uncommittedBatchEnds.Clear();
        _inLog.Clear();
        // Entries inherited from earlier epochs commit once the peer matches; retries attach to them.
        for (var i = AppliedIndex + 1; i <= _log.LastIndex; i++)
        {
            var input = _log.Get(i);
            _inLog[(input.SessionId, input.RequestNo)] = i;
        }
        foreach (var input in _log.Range(AppliedIndex + 1, int.MaxValue))
            _lastTimestamp = Math.Max(_lastTimestamp, input.TimestampMs);
        _lastTimestamp = Math.Max(_lastTimestamp, _now);
        var opening = new Input(_log.LastIndex + 1, Epoch, _lastTimestamp, _random.Next(), Guid.Empty, 0, []);
        _log.Append(opening);
        _epochStartIndex = opening.Index;
        // Alone, everything held durably commits once the opening no-op is durable: by the output rule that
        // includes all any client was told.
        PersistEntriesOp([opening]);
        SendToPeerWhileRoom();
        ReleaseHeld();
    }

    /// <summary>Leaves the primary role: every waiting client is told to retry elsewhere.</summary>
    private void StepDown(long newEpoch)
    {
        if (newEpoch > Epoch)
        {
            Epoch = newEpoch;
            PersistEpochOp(newEpoch);
        }
        if (Role == ReplicaRole.Primary) FailAllWaiting();
        SetRole(ReplicaRole.Joining);
    }

    private void FailAllWaiting()
    {
        foreach (var waiting in _pending.Concat(_waiters.Values))
        {
            Emit(new Reply(waiting.Token, ReplyStatus.Unavailable, [], null));
            if (waiting.MoreTokens is null) continue;
            foreach (var token in waiting.MoreTokens) Emit(new Reply(token, ReplyStatus.Unavailable, [], null));
        }
        _pending.Clear();
        _pendingByRequest.Clear();
        _waiters.Clear();
        _inLog.Clear();
        _uncommittedBatchEnds.Clear();
    }
}
