using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>
/// Where a full copy being received is kept as its pieces arrive, in order, with their running SHA-256: in memory
/// (<see cref="MemoryCopySink"/>), or in the host's disk file, which makes the copy durable without writing it again,
/// lets a restarted replica go on from what it held, and never holds the copy in memory beside the state made from it.
/// Owned by the copy: disposed when the copy ends or is replaced.
/// </summary>
public abstract class CopySink(long index, long length, byte[] digest) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Index { get; } = index;
    public long Length { get; } = length;
    /// <summary>SHA-256 of the whole state, as the sender announced it; empty until a piece brought it.</summary>
    public byte[] Digest { get; private set; } = digest;

    /// <summary>Whether <paramref name="digest"/>, as a piece announces it, may be this copy's: empty ones agree with any.</summary>
    public bool DigestAgrees(ReadOnlySpan<byte> digest) => Digest.Length == 0 || digest.IsEmpty || digest.SequenceEqual(Digest);

    /// <summary>Takes the digest a piece brought, if this copy did not know it yet.</summary>
    public void LearnDigest(byte[] digest)
    {
        if (Digest.Length > 0 || digest.Length == 0) return;
        Digest = digest;
        DigestLearned();
    }

    /// <summary>Keeps a digest learnt after the copy was opened where the copy is kept (so that a resumed copy knows it).</summary>
    protected virtual void DigestLearned()
    {
    }
    /// <summary>Bytes held in order from the start.</summary>
    public long Held { get; private set; }

    /// <summary>Why pieces can no longer be kept (a full disk), for an alarm; the copy must then start again elsewhere.</summary>
    public string? Problem { get; protected set; }

    /// <summary>
    /// Builds the state from the pieces as they arrive, so it is ready with the last one (null: the state is restored
    /// from the whole copy once it is held). Dropped at its first problem: the restore from the whole then says why.
    /// </summary>
    public IStateBuilder? Builder { get; set; }

    /// <summary>
    /// Takes the next piece (kept by reference until stored: its bytes must not change). A <see cref="PooledPiece"/> goes
    /// back to its pool once stored, so it is hashed (and built from, unless <see cref="BuildsWhenStoring"/>) first, and
    /// not read by the caller afterwards.
    /// </summary>
    public void Append(ReadOnlyMemory<byte> piece)
    {
        if (Held + piece.Length > Length) throw new ArgumentOutOfRangeException(nameof(piece), "a piece past the end of the copy");
        var offset = Held;
        Take(piece.Span);
        if (!BuildsWhenStoring) Build(piece.Span);
        Store(offset, piece);
    }

    /// <summary>
    /// Whether <see cref="Store"/> builds the state from each piece (<see cref="Build"/>, on a thread of its own, before
    /// it releases the piece) instead of <see cref="Append"/> on the replica's thread; <see cref="Settle"/> then waits for it.
    /// </summary>
    protected virtual bool BuildsWhenStoring => false;

    /// <summary>Builds the state from the next piece, in order; the builder is dropped at its first problem.</summary>
    protected void Build(ReadOnlySpan<byte> piece)
    {
        if (Builder is { } builder && !builder.Write(piece)) Builder = null;
    }

    /// <summary>Waits until every piece taken is stored and built (none is taken after).</summary>
    protected virtual void Settle()
    {
    }

    /// <summary>The next block of what an earlier try already held (read back from where it was stored), not stored again.</summary>
    protected void Resume(ReadOnlySpan<byte> held)
    {
        if (Held + held.Length > Length) throw new InvalidOperationException("an earlier try held more than the copy");
        Take(held);
    }

    private void Take(ReadOnlySpan<byte> piece)
    {
        _hash.AppendData(piece);
        Held += piece.Length;
    }

    /// <summary>Keeps a piece at its place, and then releases it (<see cref="PooledPiece.Release"/>).</summary>
    protected abstract void Store(long offset, ReadOnlyMemory<byte> piece);

    /// <summary>Whether the whole copy is held and matches <see cref="Digest"/>; false drops what was kept and built.</summary>
    public bool Verify()
    {
        Settle();
        var whole = Held == Length && Digest.Length > 0 && _hash.GetHashAndReset().AsSpan().SequenceEqual(Digest);
        if (!whole)
        {
            Builder = null;
            Discard();
        }
        return whole;
    }

    /// <summary>Replaces the state with the verified copy: the one built as it arrived, or else restored from the whole.</summary>
    public void Install(ReplicatedMachine machine)
    {
        Settle();
        if (Builder?.Commit() == true) return;
        using var state = OpenState();
        machine.Restore(state, Length);
    }

    /// <summary>The verified copy, positioned at its start, to restore from.</summary>
    public abstract Stream OpenState();

    /// <summary>Makes the verified copy durable where the sink keeps it; true if it did (nothing else needs to write it).</summary>
    public virtual bool MakeDurable() => false;

    /// <summary>Forgets what was kept: the copy failed its checksum.</summary>
    protected virtual void Discard()
    {
    }

    public virtual void Dispose()
    {
        _hash.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A copy kept in memory: in a replica without disk files, and when the disk cannot keep it.</summary>
public class MemoryCopySink(long index, long length, byte[] digest) : CopySink(index, length, digest)
{
    /// <summary>The state; whole once <see cref="CopySink.Held"/> reaches <see cref="CopySink.Length"/>.</summary>
    public byte[] State { get; } = new byte[length];

    protected override void Store(long offset, ReadOnlyMemory<byte> piece)
    {
        piece.Span.CopyTo(State.AsSpan((int)offset));
        PooledPiece.Release(piece);
    }

    /// <summary>Takes what an earlier try left, as <see cref="CopySink.Resume"/>, into memory too.</summary>
    protected void ResumeInMemory(ReadOnlySpan<byte> held)
    {
        held.CopyTo(State.AsSpan((int)Held));
        Resume(held);
    }

    public override Stream OpenState() => new MemoryStream(State, 0, State.Length, writable: false, publiclyVisible: true);
}
