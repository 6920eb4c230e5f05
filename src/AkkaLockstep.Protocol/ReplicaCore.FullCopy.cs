using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>
/// Full copy: a secondary that needs entries the primary has already compacted away gets the primary's machine
/// state instead, in checksummed pieces, and then the entries after it as ordinary appends. The state sent is the
/// primary's newest durable disk (read piece by piece: a large state is neither captured nor hashed on the replica's
/// thread), or, when that disk lags far behind, is refused or is missing, the state frozen in memory (hashed off the
/// replica's thread, laid out piece by piece); a capture of the state in memory where the shell cannot freeze it. The
/// primary keeps at most <see cref="ReplicaOptions.CopyWindowBytes"/> unacknowledged on the way (the copy shares the
/// connection with heartbeats and client traffic); the secondary acknowledges what it holds in order, so after a lost
/// piece, a cut or its own restart the copy resumes where the secondary stands instead of starting again.
/// </summary>
public sealed partial class ReplicaCore
{
    private OutgoingCopy? _copyOut;
    private CopySink? _copyIn;

    /// <summary>Whether a full copy is going out to the peer or coming in from it.</summary>
    public bool Copying => Role switch
    {
        ReplicaRole.Primary => _copyOut is not null && !Duplex,
        ReplicaRole.Secondary => _copyIn is not null,
        _ => false,
    };

    /// <summary>
    /// Opens this replica's newest durable disk for a full copy (null: none yet). Set by the host; without it every
    /// copy is a capture.
    /// </summary>
    public Func<CopySource?>? DurableState { get; set; }

    /// <summary>
    /// Makes a copy source of the state frozen at an index (<see cref="ImageCopySource"/>: its digest computed off the
    /// replica's thread). Set by the host; without it a disk that lags far behind is sent all the same, the entries after
    /// it following, and a missing or refused one is replaced by a capture of the state.
    /// </summary>
    public Func<long, StateImage, CopySource>? FrozenCopies { get; set; }

    /// <summary>The index of a disk the peer found damaged or that could not be read: never sent again (the state is).</summary>
    private long _refusedDiskIndex = -1;

    private sealed class OutgoingCopy(CopySource source, long epoch, long now)
    {
        public CopySource Source { get; } = source;
        public long Index => Source.Index;
        public long Length => Source.Length;
        public long SnapshotEpoch { get; } = epoch;
        public long Sent { get; set; }
        public long Acked { get; set; }
        public long ProgressMs { get; set; } = now;
        public long StartedMs { get; } = now;
        /// <summary>Bytes sent more than once (after a stall, a gap or a restarted peer): what the link lost.</summary>
        public long ResentBytes { get; set; }

        /// <summary>Goes on from <paramref name="offset"/>; what was sent beyond it will be sent again.</summary>
        public void RewindTo(long offset)
        {
            ResentBytes += Math.Max(0, Sent - offset);
            Sent = offset;
        }
        // The offset a gap report already rewound to: the other pieces in flight report the same gap. A gap below what
        // the peer acknowledged means it lost its partial copy (it restarted): that is honoured too.
        public long RewoundTo { get; set; } = -1;
    }

    /// <summary>
    /// Opens where an incoming full copy is kept (index, length, digest): the host's disk file, resumed if an earlier
    /// try left part of the same copy. Without it copies are kept in memory.
    /// </summary>
    public Func<long, long, byte[], CopySink>? IncomingCopies { get; set; }

    /// <summary>Bytes of a full copy still to reach the peer (0 when none is under way).</summary>
    private long CopyBytesOwed => _copyOut is { } copy && _peerMatch < copy.Index ? copy.Length - copy.Acked : 0;

    /// <summary>
    /// Sends the next pieces of the copy the peer needs, starting one at AppliedIndex if none is under way.
    /// True once the peer acknowledged every piece: the entries after the copy may follow it.
    /// </summary>
    private bool PumpFullCopy(bool fresh = false)
    {
        if (fresh || _copyOut is null || _copyOut.Index < _log.BaseIndex)
        {
            // Capturing the state costs its size: only for a peer that answers, not every retransmit to a dead one.
            if (!_peerAnswered || _now - _peerHeardMs > _options.PeerTimeoutMs) return false;
            StartCopy();
            if (_copyOut is null) return false;
        }
        var copy = _copyOut;
        if (copy.Sent > copy.Acked && _now - copy.ProgressMs >= _options.CopyStallMs)
        {
            // Nothing acknowledged for a while (a cut, lost pieces): go on from what the peer holds.
            copy.RewindTo(copy.Acked);
            copy.ProgressMs = _now;
        }
        else if (copy.Acked == copy.Length && _now - copy.ProgressMs >= FullCopyInstallWaitMs(copy.Length))
        {
            // The peer held every piece but still needs the state: its install failed or it restarted. Again from the start.
            copy.RewindTo(0);
            copy.Acked = 0;
            copy.RewoundTo = -1;
            copy.ProgressMs = _now;
        }
        while (copy.Sent < copy.Length && copy.Sent - copy.Acked < _options.CopyWindowBytes)
        {
            var size = (int)Math.Min(_options.SnapshotChunkBytes, copy.Length - copy.Sent);
            // The pieces go while a frozen state is still being hashed, without its digest; the last one carries it, so
            // it waits (a heartbeat's reply or the next tick pumps again).
            var ready = copy.Source.Ready;
            if (!ready && copy.Sent + size == copy.Length)
            {
                copy.ProgressMs = _now;
                break;
            }
            ReadOnlyMemory<byte> piece;
            try
            {
                piece = copy.Source.Read(copy.Sent, size);
            }
            catch (IOException e)
            {
                Emit(new Alarm($"the full copy for {Peer} cannot read {copy.Source.Description} at index {copy.Index}: {e.Message}; " +
                               "the state is sent instead"));
                _refusedDiskIndex = copy.Index;
                StartCopy();
                return PumpFullCopy();
            }
            Emit(new SendToPeer(SnapshotChunk.Of(Epoch, copy.Index, copy.SnapshotEpoch, copy.Sent, copy.Length, piece,
                ready ? copy.Source.Digest : [])));
            copy.Sent += size;
        }
        // Entries after the copy follow only once the peer holds all of it: until then its answers to them would
        // only repeat that it lacks the state.
        if (copy.Acked < copy.Length) return false;
        _peerNext = Math.Max(_peerNext, copy.Index + 1);
        return true;
    }

    // Installing a large copy (restore, then make it durable) takes longer than a small one.
    private long FullCopyInstallWaitMs(long bytes) => _options.SnapshotResendMs + bytes / _options.FullCopyAssumedBytesPerMs;

    /// <summary>
    /// Starts a copy of the newest durable disk, or of a capture of the state when there is none. A disk that lags the
    /// state by much is not sent: the entries after it would follow through the peer's journal, an order of magnitude
    /// slower than the copy, so the state frozen now goes instead (where the shell can freeze it; else the disk goes).
    /// </summary>
    private void StartCopy()
    {
        _copyOut?.Source.Dispose();
        _copyOut = null;
        var disk = OpenDurableState();
        var lag = disk is null ? 0 : _log.BytesBetween(disk.Index, AppliedIndex);
        var stale = disk is null || lag > Math.Max(_options.StaleDiskLagBytes, disk.Length / StaleDiskLagShare);
        if (stale && FrozenCopies is { } freeze)
        {
            disk?.Dispose();
            _copyOut = new OutgoingCopy(freeze(AppliedIndex, _machine.Freeze()), _log.EpochAt(AppliedIndex), _now);
            Emit(new Notice($"{Peer} needs entry {_peerNext}: sending a full copy of the state frozen at index {AppliedIndex} " +
                            $"({_copyOut.Length} bytes; " +
                            (disk is null ? "no usable disk" : $"the newest disk, at index {disk.Index}, lags it by {lag} bytes of entries") + ")"));
            return;
        }
        CopySource source = disk ?? new CapturedCopySource(AppliedIndex, _machine.Snapshot());
        _copyOut = new OutgoingCopy(source, _log.EpochAt(source.Index), _now);
        Emit(new Notice($"{Peer} needs entry {_peerNext}: sending a full copy of {source.Description} at index {source.Index} " +
                        $"({source.Length} bytes" + (lag > 0 ? $"; {lag} bytes of entries follow it" : "") + ")"));
    }

    /// <summary>
    /// A disk lags too much when the entries after it pass this share of its size (1/32) and
    /// <see cref="ReplicaOptions.StaleDiskLagBytes"/>: a copy moves at a hundred MB/s and more, the peer's journal takes
    /// large entries at 8-25 MB/s.
    /// </summary>
    private const long StaleDiskLagShare = 32;

    /// <summary>The newest durable disk, if the log holds every entry after it (they follow the copy) and the peer did not refuse it.</summary>
    private CopySource? OpenDurableState()
    {
        CopySource? disk;
        try
        {
            disk = DurableState?.Invoke();
        }
        catch (IOException e)
        {
            Emit(new Alarm($"the newest disk cannot be opened for a full copy to {Peer}: {e.Message}; the state is sent instead"));
            return null;
        }
        if (disk is null || disk.Index >= _log.BaseIndex && disk.Index <= AppliedIndex && disk.Index != _refusedDiskIndex) return disk;
        disk.Dispose();
        return null;
    }

    private void DropCopyOut()
    {
        _copyOut?.Source.Dispose();
        _copyOut = null;
    }

    /// <summary>A restarted peer lost any copy it was receiving.</summary>
    private void RestartCopyForNewPeer()
    {
        if (_copyOut is not { } copy) return;
        copy.RewindTo(0);
        copy.Acked = 0;
        copy.RewoundTo = -1;
        copy.ProgressMs = _now;
    }

    private void OnCopyAck(CopyAck ack)
    {
        if (ack.Epoch > Epoch)
        {
            StepDown(ack.Epoch);
            return;
        }
        if (Role != ReplicaRole.Primary || ack.Epoch < Epoch || _copyOut is not { } copy || ack.SnapshotIndex != copy.Index) return;
        _peerHeardMs = _now;
        if (ack.Gap && ack.Offset == 0 && copy.Acked == copy.Length && copy.Source.IsDiskFile)
        {
            // The peer held every piece and still wants the start: the whole failed its SHA-256, so the disk file is
            // damaged (each piece passed its own checksum on the way). Sending it again would fail the same way.
            Emit(new Alarm($"{Peer} found the full copy of {copy.Source.Description} at index {copy.Index} damaged; " +
                           "that disk is not sent again, the state is sent instead"));
            _refusedDiskIndex = copy.Index;
            StartCopy();
        }
        else if (ack.Offset > copy.Acked)
        {
            copy.Acked = Math.Min(ack.Offset, copy.Length);
            if (copy.Acked == copy.Length)
                Emit(new Notice($"{Peer} holds the whole copy at index {copy.Index} ({copy.Length} bytes), {_now - copy.StartedMs} ms " +
                                $"after the copy started; {copy.ResentBytes} bytes were sent again"));
            copy.Sent = Math.Max(copy.Sent, copy.Acked);
            copy.ProgressMs = _now;
            copy.RewoundTo = -1;
            _peerProgressMs = _now;
            // A peer taking a copy in is not stalled, however long a large copy takes (a repair of a diverged peer runs
            // while this replica is duplex, where a stall would leave the peer behind).
            _peerKeptUpMs = _now;
        }
        else if (ack.Gap && ack.Offset < copy.Sent && ack.Offset != copy.RewoundTo)
        {
            copy.RewindTo(ack.Offset);
            copy.Acked = ack.Offset;
            copy.RewoundTo = ack.Offset;
            copy.ProgressMs = _now;
        }
        // The next pieces: a repair of a diverged peer is not pumped by the catch-up below (its log is not behind).
        if (_copyOut is { } current && current.Sent < current.Length) PumpFullCopy();
        if (_peerNext <= _log.BaseIndex) SendToPeerWhileRoom();
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
        if (chunk.SnapshotIndex <= AppliedIndex && !Diverged)
        {
            Emit(new SendToPeer(new CopyAck(Epoch, chunk.SnapshotIndex, chunk.TotalLength, false)));
            return;
        }
        if (chunk.TotalLength is < 0 or > MaxCopyBytes || chunk.Offset < 0 || chunk.Offset + chunk.Data.Length > chunk.TotalLength ||
            chunk.Digest.Length is not (0 or SHA256.HashSizeInBytes) || chunk.Digest.Length == 0 && chunk.Offset + chunk.Data.Length == chunk.TotalLength)
        {
            Emit(new Alarm($"{Peer} sent a piece of a full copy that cannot be part of one (offset {chunk.Offset}, " +
                           $"{chunk.Data.Length} bytes of {chunk.TotalLength}, a digest of {chunk.Digest.Length} bytes); ignored"));
            return;
        }
        if (PieceChecksum.Of(chunk.Data.Span) != chunk.Checksum)
        {
            // Damaged on the way or by the sender: not taken; the primary goes on from what this replica holds.
            Emit(new Alarm($"a piece of the full copy from {Peer} (offset {chunk.Offset}, {chunk.Data.Length} bytes) failed its " +
                           "checksum; asking for it again"));
            var held = _copyIn is { } partial && partial.Index == chunk.SnapshotIndex ? partial.Held : 0;
            Emit(new SendToPeer(new CopyAck(Epoch, chunk.SnapshotIndex, held, true)));
            return;
        }
        if (_copyIn is null || _copyIn.Index != chunk.SnapshotIndex || !_copyIn.DigestAgrees(chunk.Digest) ||
            _copyIn.Length != chunk.TotalLength)
        {
            // A copy of another state: open where it is kept (what an earlier try left of it, if anything).
            _copyIn?.Dispose();
            _copyIn = OpenIncomingCopy(chunk);
            // What an earlier try left is not built again: that copy is restored from the whole at its end.
            if (_copyIn.Held == 0) _copyIn.Builder = _machine.BeginRestore(_copyIn.Length);
        }
        var copy = _copyIn;
        copy.LearnDigest(chunk.Digest);
        if (chunk.Offset != copy.Held || copy.Held == copy.Length)
        {
            // A piece again (a resend), after a gap (one was lost), or of a copy an earlier try already held in part or
            // whole: say where it stands.
            Emit(new SendToPeer(new CopyAck(Epoch, copy.Index, copy.Held, chunk.Offset > copy.Held)));
            if (copy.Held == copy.Length) CompleteIncomingCopy(copy, chunk.SnapshotEpoch);
            return;
        }
        copy.Append(chunk.Data);
        if (copy.Problem is { } problem)
        {
            // The disk cannot keep it (full, failing): this copy starts again in memory, and is written when installed.
            Emit(new Alarm($"the full copy from {Peer} at index {copy.Index} cannot be kept on disk ({problem}); it starts again in memory"));
            _copyInMemoryIndex = copy.Index;
            copy.Dispose();
            _copyIn = null;
            Emit(new SendToPeer(new CopyAck(Epoch, chunk.SnapshotIndex, 0, true)));
            return;
        }
        Emit(new SendToPeer(new CopyAck(Epoch, copy.Index, copy.Held, false)));
        if (copy.Held == copy.Length) CompleteIncomingCopy(copy, chunk.SnapshotEpoch);
    }

    private void CompleteIncomingCopy(CopySink copy, long snapshotEpoch)
    {
        // Held whole by an earlier try that never learnt the digest: the primary sends the copy again, with it.
        if (copy.Digest.Length == 0) return;
        _copyIn = null;
        if (!copy.Verify())
        {
            copy.Dispose();
            Emit(new Alarm($"a full copy from {Peer} at index {copy.Index} failed its checksum; asking for it again"));
            Emit(new SendToPeer(new CopyAck(Epoch, copy.Index, 0, true)));
            return;
        }
        InstallFullCopy(copy.Index, snapshotEpoch, copy);
    }

    /// <summary>A copy the disk could not keep: received in memory when sent again.</summary>
    private long _copyInMemoryIndex = -1;

    private CopySink OpenIncomingCopy(SnapshotChunk chunk)
    {
        if (IncomingCopies is { } open && chunk.SnapshotIndex != _copyInMemoryIndex)
        {
            try
            {
                return open(chunk.SnapshotIndex, chunk.TotalLength, chunk.Digest);
            }
            catch (IOException e)
            {
                Emit(new Alarm($"the full copy from {Peer} at index {chunk.SnapshotIndex} cannot be kept on disk ({e.Message}); " +
                               "it is received in memory"));
            }
        }
        return new MemoryCopySink(chunk.SnapshotIndex, chunk.TotalLength, chunk.Digest);
    }

    /// <summary>Largest state a full copy may announce: a peer announcing more is lying or broken.</summary>
    public const long MaxCopyBytes = 2_000_000_000;

    private void InstallFullCopy(long index, long epoch, CopySink copy)
    {
        var durableBefore = Math.Min(DurableIndex, AppliedIndex);
        try
        {
            copy.Install(_machine);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException or IOException)
        {
            copy.Dispose();
            Emit(new Alarm($"a full copy from {Peer} at index {index} could not be installed: {e.Message}"));
            return;
        }
        // Kept on disk as it arrived, it is made durable in place and not written again; otherwise the shell writes it.
        var durable = copy.MakeDurable() ? new DurableDisk(copy.Digest, copy.Length) : null;
        var machine = durable is not null ? [] : copy is MemoryCopySink memory ? memory.State : _machine.Snapshot();
        copy.Dispose();
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
        Emit(new PersistSnapshot(op.Id, new ReplicaSnapshot(Epoch, index, epoch, machine, []), durable));
        Emit(new Notice($"installed a full copy of {Peer}'s state at index {index} ({copy.Length} bytes)"));
        _replyOwed = true;
        AckAndApply();
    }
}
