namespace AkkaLockstep.Protocol;

/// <summary>
/// Everything nondeterministic about one input, decided once by the primary and carried with the input,
/// so that both replicas compute the same output. <see cref="SessionId"/> names the client session the input
/// came from (the exactly-once session of <see cref="Input.SessionId"/>), so a guest can keep per-session state
/// such as an open interactive transaction.
/// </summary>
public readonly record struct InputContext(long Index, long TimestampMs, ulong Seed, Guid SessionId);

/// <summary>
/// A deterministic guest state machine. Implementations must depend only on their own state, the command
/// bytes and the <see cref="InputContext"/>: never on clocks, random sources, the environment or threads.
/// An invalid command is an ordinary output (an error result), never an exception that escapes.
/// </summary>
public interface IGuest
{
    /// <summary>Guest kind name, e.g. "kv".</summary>
    string Kind { get; }

    /// <summary>Applies one command and returns its output.</summary>
    byte[] Apply(ReadOnlySpan<byte> command, in InputContext context);

    /// <summary>Serialises the full state (used for snapshots and full copies).</summary>
    byte[] Snapshot();

    /// <summary>
    /// The state as <see cref="Snapshot"/> lays it out, frozen now and written later on another thread while this
    /// guest goes on applying inputs. A guest that cannot share its state cheaply gives its snapshot.
    /// </summary>
    StateImage Freeze() => new BytesImage(Snapshot());

    /// <summary>Replaces the full state with a snapshot produced by <see cref="Snapshot"/>.</summary>
    void Restore(ReadOnlySpan<byte> snapshot);

    /// <summary>
    /// Replaces the full state with the <paramref name="length"/> bytes of a snapshot read from <paramref name="snapshot"/>
    /// (a full copy on disk). A guest that can build its state as it reads avoids holding the snapshot in memory too.
    /// </summary>
    void Restore(Stream snapshot, long length)
    {
        var bytes = new byte[length];
        snapshot.ReadExactly(bytes);
        Restore(bytes);
    }

    /// <summary>
    /// A builder of the state from a snapshot of <paramref name="length"/> bytes taken piece by piece as a full copy
    /// arrives (see <see cref="IStateBuilder"/>); null for a guest that restores only from the whole snapshot. It and
    /// its builder's <see cref="IStateBuilder.Write"/> may run on a thread of the copy's own while the replica goes on
    /// (a copy received into a disk file): they must not touch the live state, which only <see cref="IStateBuilder.Commit"/>
    /// replaces, on the replica's thread.
    /// </summary>
    IStateBuilder? BeginRestore(long length) => null;

    /// <summary>A digest of the full state, equal on two replicas exactly when their states are equal.</summary>
    byte[] Digest();

    /// <summary>
    /// <see cref="Digest"/> of the state as it is now, computed when the function is called, on any thread, while this
    /// guest goes on applying inputs. A guest that cannot freeze its state cheaply computes the digest now.
    /// </summary>
    Func<byte[]> DigestLater()
    {
        var digest = Digest();
        return () => digest;
    }
}
