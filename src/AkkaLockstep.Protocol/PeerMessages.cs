namespace AkkaLockstep.Protocol;

public enum ReplicaRole : byte { Joining = 0, Candidate = 1, Primary = 2, Secondary = 3 }

/// <summary>Messages between the two replicas of one VM.</summary>
public abstract record PeerMessage;

/// <summary>
/// Primary to secondary: entries following (PrevIndex, PrevEpoch), the primary's commit index, and the
/// primary's hash chain at CheckIndex (0 = no check) for divergence detection. No entries = heartbeat.
/// TakeoverIndex is the highest index the primary may have committed without this secondary (inherited from
/// earlier epochs, or committed alone in simplex): the secondary may take over only once it matched that far.
/// A simplex primary sends long.MaxValue: it may commit more alone at any moment, so its secondary never takes over.
/// </summary>
public sealed record Append(long Epoch, long PrevIndex, long PrevEpoch, IReadOnlyList<Input> Entries,
    long CommitIndex, long CheckIndex, byte[]? CheckHash, long TakeoverIndex = 0) : PeerMessage;

/// <summary>
/// Secondary to primary. Success: the secondary's log matches the primary's up to MatchIndex and is durable
/// there. Failure: logs do not match at PrevIndex; the primary should resend from HintIndex + 1.
/// </summary>
public sealed record AppendReply(long Epoch, bool Success, long MatchIndex, long HintIndex, bool Diverged,
    string Incarnation) : PeerMessage;

/// <summary>
/// A replica that is not in a working duplex announces its durable log position and role; the pair uses
/// it to choose who claims the next epoch.
/// </summary>
public sealed record Probe(long PromisedEpoch, long LastEpoch, long LastIndex, ReplicaRole Role, bool IsReply,
    string Incarnation) : PeerMessage;

/// <summary>
/// Primary to secondary, when the secondary needs entries the primary has compacted away: one piece of the
/// primary's machine state at SnapshotIndex (whose entry had SnapshotEpoch). Pieces go in order; each carries the
/// CRC-32C of its Data (<see cref="PieceChecksum"/>); the receiver installs the state once Offset + Data reaches
/// TotalLength and the SHA-256 of the whole equals Digest. Digest is empty while the sender is still computing it (a
/// state frozen in memory is hashed as its first pieces go); the last piece always carries it.
/// </summary>
/// Data is a slice of the primary's captured state, which never changes once captured: no copy per piece.
public sealed record SnapshotChunk(long Epoch, long SnapshotIndex, long SnapshotEpoch, long Offset, long TotalLength,
    ReadOnlyMemory<byte> Data, byte[] Digest, uint Checksum) : PeerMessage
{
    /// <summary>A piece with its checksum computed from its data.</summary>
    public static SnapshotChunk Of(long epoch, long snapshotIndex, long snapshotEpoch, long offset, long totalLength,
        ReadOnlyMemory<byte> data, byte[] digest) =>
        new(epoch, snapshotIndex, snapshotEpoch, offset, totalLength, data, digest, PieceChecksum.Of(data.Span));
}

/// <summary>
/// Secondary to primary: of the full copy of the state at SnapshotIndex it holds the first Offset bytes in order (all
/// of them: it has the copy, or needs none). Gap: a piece arrived that does not follow them (one was lost, or this
/// replica restarted): the primary goes on from Offset.
/// </summary>
public sealed record CopyAck(long Epoch, long SnapshotIndex, long Offset, bool Gap) : PeerMessage;

/// <summary>
/// This replica is being removed because its VM is no longer protected. Its peer is being removed too, but its host
/// may learn so a moment later: it must not take the silence that follows for a failure, claim an epoch and have the
/// witness down this host as the loser.
/// </summary>
public sealed record Retire(string Incarnation) : PeerMessage;
