namespace AkkaLockstep.Protocol;

/// <summary>The secondary: log matching, durable acknowledgement, applying what the primary committed.</summary>
public sealed partial class ReplicaCore
{
    // Highest index known to match the current primary's log.
    private long _matched;
    // From the primary's appends: this secondary may take over only after matching this far, and never while the
    // primary runs alone. Within an epoch a primary only goes from simplex to duplex, so a late "alone" is stale.
    private long _primaryTakeoverIndex;
    private bool _primaryAlone;
    private bool _primaryDuplexSeen;

    private bool FitToTakeOver => !_primaryAlone && _matched >= _primaryTakeoverIndex;
    private long _lastAcked;
    private bool _replyOwed;
    private readonly SortedDictionary<long, byte[]> _expectedHashes = new();
    private const int MaxExpectedHashes = 32;

    private void OnAppend(Append append)
    {
        if (append.Epoch < Epoch)
        {
            Emit(new SendToPeer(new AppendReply(Epoch, false, 0, _log.LastIndex, Diverged, Incarnation)));
            return;
        }
        if (Role == ReplicaRole.Primary && append.Epoch == Epoch)
        {
            Emit(new Alarm($"two primaries in epoch {Epoch}: {Peer} sent entries while this replica is primary"));
            return;
        }
        if (append.Epoch > Epoch || Role != ReplicaRole.Secondary) FollowEpoch(append.Epoch);
        // Recorded before log matching: a lagging secondary must know it is not fit to take over.
        if (append.TakeoverIndex == long.MaxValue)
        {
            _primaryAlone |= !_primaryDuplexSeen;
        }
        else
        {
            _primaryDuplexSeen = true;
            _primaryAlone = false;
            _primaryTakeoverIndex = Math.Max(_primaryTakeoverIndex, append.TakeoverIndex);
        }

        if (append.PrevIndex > _log.LastIndex)
        {
            Emit(new SendToPeer(new AppendReply(Epoch, false, 0, _log.LastIndex, Diverged, Incarnation)));
            return;
        }
        if (append.PrevIndex > _log.BaseIndex && _log.EpochAt(append.PrevIndex) != append.PrevEpoch)
        {
            if (append.PrevIndex <= AppliedIndex)
                Emit(new Alarm($"{Peer} disagrees about applied entry {append.PrevIndex}"));
            var hint = Math.Max(AppliedIndex, _log.FirstIndexOfEpochRun(append.PrevIndex) - 1);
            Emit(new SendToPeer(new AppendReply(Epoch, false, 0, hint, Diverged, Incarnation)));
            return;
        }

        List<Input>? fresh = null;
        foreach (var input in append.Entries)
        {
            if (input.Index <= _log.BaseIndex) continue;
            if (_log.Contains(input.Index))
            {
                if (_log.EpochAt(input.Index) == input.Epoch) continue;
                if (fresh is { Count: > 0 })
                {
                    PersistEntriesOp(fresh);
                    fresh = null;
                }
                TruncateOp(input.Index);
            }
            _log.Append(input);
            (fresh ??= []).Add(input);
        }
        if (fresh is { Count: > 0 }) PersistEntriesOp(fresh);

        _matched = Math.Max(_matched, append.PrevIndex + append.Entries.Count);
        CommitIndex = Math.Max(CommitIndex, append.CommitIndex);
        if (append.CheckHash is not null && append.CheckIndex > AppliedIndex)
        {
            _expectedHashes[append.CheckIndex] = append.CheckHash;
            if (_expectedHashes.Count > MaxExpectedHashes) _expectedHashes.Remove(_expectedHashes.Keys.First());
        }
        _replyOwed = true;
        AckAndApply();
    }

    /// <summary>Becomes (or stays) the secondary of the primary of <paramref name="epoch"/>.</summary>
    private void FollowEpoch(long epoch)
    {
        if (Role == ReplicaRole.Primary) FailAllWaiting();
        if (epoch > Epoch)
        {
            Epoch = epoch;
            // The promise must be durable before acknowledging anything in this epoch: a replica that forgot
            // it could help a deposed primary commit.
            PersistEpochOp(epoch);
        }
        _claimEpoch = 0;
        _failover = false;
        Fenced = false;
        _peerHeardMs = _now;
        _matched = AppliedIndex;
        _primaryTakeoverIndex = 0;
        _primaryAlone = false;
        _primaryDuplexSeen = false;
        _lastAcked = 0;
        _expectedHashes.Clear();
        SetRole(ReplicaRole.Secondary);
    }

    private void AckAndApply()
    {
        if (_durableEpoch >= Epoch)
        {
            var ack = Math.Min(DurableIndex, _matched);
            if (ack > _lastAcked || (_replyOwed && ack == _matched))
            {
                Emit(new SendToPeer(new AppendReply(Epoch, true, ack, ack, Diverged, Incarnation)));
                _lastAcked = Math.Max(_lastAcked, ack);
                _replyOwed = false;
            }
        }
        ApplyUpTo(Math.Min(CommitIndex, Math.Min(DurableIndex, _matched)));
    }

    private void CheckHash(long index)
    {
        if (!_expectedHashes.Remove(index, out var expected)) return;
        while (_expectedHashes.Count > 0 && _expectedHashes.Keys.First() < index) _expectedHashes.Remove(_expectedHashes.Keys.First());
        if (Diverged) return;
        if (expected.AsSpan().SequenceEqual(_machine.Hash.Value))
        {
            VerifiedIndex = index;
            return;
        }
        Diverged = true;
        Emit(new Alarm($"divergence at index {index}: this replica's hash chain differs from the primary's"));
    }
}
