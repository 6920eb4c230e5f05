using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>
/// Full copy: a secondary that needs entries the primary has already compacted away gets the primary's machine
/// state instead, in checksummed pieces, and then the entries after it as ordinary appends.
/// </summary>
public sealed partial class ReplicaCore
{
    private long _fullCopySentMs = long.MinValue / 2;
    private MemoryStream? _incoming;
    private long _incomingIndex;

    /// <summary>Sends the state at AppliedIndex; false while an earlier copy may still be on its way.</summary>
    // A large copy takes longer to travel and to be made durable than a small one: resending it before it could
    // have arrived only queues another whole copy behind it.
    private long FullCopyResendMs => _options.SnapshotResendMs + _fullCopyBytes / _options.FullCopyAssumedBytesPerMs;

    private bool SendFullCopy()
    {
        if (_now - _fullCopySentMs < FullCopyResendMs) return false;
        _fullCopySentMs = _now;
        var index = AppliedIndex;
        var epoch = _log.EpochAt(index);
        var state = _machine.Snapshot();
        var digest = SHA256.HashData(state);
        _fullCopyBytes = state.Length;
        Emit(new Notice($"{Peer} needs entry {_peerNext}, which was compacted: sending a full copy of the state at index {index} " +
                        $"({state.Length} bytes)"));
        for (var offset = 0; offset < state.Length; offset += _options.SnapshotChunkBytes)
        {
            var size = Math.Min(_options.SnapshotChunkBytes, state.Length - offset);
            Emit(new SendToPeer(new SnapshotChunk(Epoch, index, epoch, offset, state.Length, state.AsSpan(offset, size).ToArray(), digest)));
        }
        _peerNext = index + 1;
        _peerRewind = 0;
        return true;
    }

    private void OnSnapshotChunk(SnapshotChunk chunk)
    {
        if (chunk.Epoch < Epoch)
        {
            Emit(new SendToPeer(new AppendReply(Epoch, false, 0, _log.LastIndex, Diverged, Incarnation)));
            return;
        }
        if (Role == ReplicaRole.Primary && chunk.Epoch == Epoch)
        {
            Emit(new Alarm($"two primaries in epoch {Epoch}: {Peer} sent a full copy while this replica is primary"));
            return;
        }
        if (chunk.Epoch > Epoch || Role != ReplicaRole.Secondary) FollowEpoch(chunk.Epoch);
        // Already at or past that state: the entries after it arrive as appends. A diverged replica takes the copy
        // whatever its index: it is the repair.
        if (chunk.SnapshotIndex <= AppliedIndex && !Diverged) return;
        if (chunk.Offset == 0)
        {
            _incoming = new MemoryStream();
            _incomingIndex = chunk.SnapshotIndex;
        }
        // A piece out of order (one was lost, or a newer copy started) spoils this copy; the primary sends it again.
        if (_incoming is null || chunk.SnapshotIndex != _incomingIndex || chunk.Offset != _incoming.Length ||
            chunk.Offset + chunk.Data.Length > chunk.TotalLength)
        {
            _incoming = null;
            return;
        }
        _incoming.Write(chunk.Data);
        if (_incoming.Length < chunk.TotalLength) return;
        var state = _incoming.ToArray();
        _incoming = null;
        if (!SHA256.HashData(state).AsSpan().SequenceEqual(chunk.Digest))
        {
            Emit(new Alarm($"a full copy from {Peer} at index {chunk.SnapshotIndex} failed its checksum; waiting for it again"));
            return;
        }
        InstallFullCopy(chunk.SnapshotIndex, chunk.SnapshotEpoch, state);
    }

    private void InstallFullCopy(long index, long epoch, byte[] state)
    {
        var durableBefore = Math.Min(DurableIndex, AppliedIndex);
        try
        {
            _machine.Restore(state);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            Emit(new Alarm($"a full copy from {Peer} at index {index} could not be installed: {e.Message}"));
            return;
        }
        _log.ResetTo(index, epoch);
        // Writes still pending were of entries the copy replaces: they no longer make anything durable.
        foreach (var pending in _ops)
            if (pending.Kind == OpKind.Entries)
                pending.Last = pending.First - 1;
        DurableIndex = durableBefore;
        CommitIndex = Math.Max(CommitIndex, index);
        _matched = index;
        _lastAcked = Math.Min(_lastAcked, index);
        _expectedHashes.Clear();
        // The copy replaces whatever this replica computed on its own, divergent or not.
        Diverged = false;
        VerifiedIndex = index;
        var op = new PendingOp(_nextOpId++, OpKind.Snapshot, index, 0, 0);
        _ops.Enqueue(op);
        Emit(new PersistSnapshot(op.Id, new ReplicaSnapshot(Epoch, index, epoch, state, [])));
        Emit(new Notice($"installed a full copy of {Peer}'s state at index {index} ({state.Length} bytes)"));
        _replyOwed = true;
        AckAndApply();
    }
}
