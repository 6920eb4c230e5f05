using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>
/// The machine state a full copy sends, at <see cref="Index"/>: a durable disk file of the primary (read piece by
/// piece, nothing captured or hashed on the replica's thread) or, when none is usable, a capture of the state in
/// memory. Owned by the copy: disposed when the copy ends or is replaced.
/// </summary>
public abstract class CopySource : IDisposable
{
    public abstract long Index { get; }
    public abstract long Length { get; }
    /// <summary>SHA-256 of the whole state: the receiver checks the copy against it before installing it.</summary>
    public abstract byte[] Digest { get; }
    /// <summary>What the notices call it.</summary>
    public abstract string Description { get; }

    /// <summary>Whether <see cref="Digest"/> is known: until it is, pieces go without it and the last one waits for it.</summary>
    public virtual bool Ready => true;

    /// <summary>
    /// Whether the state is read from a durable disk file: a copy of it that fails its SHA-256 at the receiver means that
    /// file is damaged, so it is never sent again.
    /// </summary>
    public virtual bool IsDiskFile => false;

    /// <summary>The <paramref name="size"/> bytes at <paramref name="offset"/>; the memory stays valid after the next read.</summary>
    /// <exception cref="IOException">The state cannot be read (a disk file that went missing or is damaged).</exception>
    public abstract ReadOnlyMemory<byte> Read(long offset, int size);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>The state captured in memory at an applied index.</summary>
public sealed class CapturedCopySource(long index, byte[] state) : CopySource
{
    public override long Index => index;
    public override long Length => state.Length;
    public override byte[] Digest { get; } = SHA256.HashData(state);
    public override string Description => "a capture of the state";
    public override ReadOnlyMemory<byte> Read(long offset, int size) => state.AsMemory((int)offset, size);
}
