namespace AkkaLockstep.Protocol;

/// <summary>What a <see cref="ReplicaCore"/> asks its shell to do. Persist effects must complete in order.</summary>
public abstract record Effect;

public sealed record PersistEpoch(long OpId, long Epoch) : Effect;

public sealed record PersistEntries(long OpId, IReadOnlyList<Input> Entries) : Effect;

/// <summary>Discard every journal entry at or after FromIndex (a tail written in an epoch that was superseded).</summary>
public sealed record PersistTruncate(long OpId, long FromIndex) : Effect;

/// <summary>
/// Make a copy of the primary's state durable as this replica's new base: the journal must recover it, and no entry
/// written before it, after a restart. The shell acknowledges it with <see cref="LocalPersisted"/> like any other write.
/// Durable: the state itself is durable already (the shell's <see cref="CopySink"/> kept it on disk as it arrived; the
/// snapshot's machine bytes are then empty); null when the shell must write the snapshot's machine bytes.
/// </summary>
public sealed record PersistSnapshot(long OpId, ReplicaSnapshot Snapshot, DurableDisk? Durable = null) : Effect;

/// <summary>A state made durable on disk: its SHA-256 and length.</summary>
public sealed record DurableDisk(byte[] Digest, long Length);

public sealed record SendToPeer(PeerMessage Message) : Effect;

public enum ReplyStatus : byte { Ok = 0, NotPrimary = 1, Unavailable = 2, Stale = 3 }

/// <summary>Answer a client request. LeaderHint names the replica believed to be primary, when known.</summary>
public sealed record Reply(object Token, ReplyStatus Status, byte[] Output, string? LeaderHint) : Effect;

/// <summary>
/// Ask the witness to grant <paramref name="Epoch"/> to this replica; <paramref name="Simplex"/> asks for a lease
/// of <paramref name="LeaseMs"/> to run alone. The shell echoes <paramref name="RequestedAtMs"/> in the answer.
/// </summary>
public sealed record ClaimEpoch(long Epoch, bool Simplex, long LeaseMs, long RequestedAtMs) : Effect;

/// <summary>Ask the witness to extend (or, with LeaseMs 0, release) this simplex primary's lease.</summary>
public sealed record RenewLease(long Epoch, long LeaseMs, long RequestedAtMs) : Effect;

public sealed record RoleChanged(ReplicaRole Role, long Epoch) : Effect;

/// <summary>
/// Answer to <see cref="ForceSimplex"/>: accepted once this replica acts as a forced simplex primary in Epoch, or
/// refused with the reason (a sentence about this replica).
/// </summary>
public sealed record ForceSimplexAnswered(object Token, bool Accepted, long Epoch, string? Reason) : Effect;

/// <summary>Something worth a line in the log that needs no action (e.g. a full copy sent to the peer).</summary>
public sealed record Notice(string Message) : Effect;

/// <summary>Something an operator must see: a divergence, a protocol violation by the peer, a forced simplex.</summary>
public sealed record Alarm(string Message) : Effect;
