using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>Takes the next block of a state's bytes.</summary>
public delegate void BlockWriter(ReadOnlySpan<byte> block);

/// <summary>
/// A state frozen at one input, laid out exactly as its snapshot bytes, written out later and elsewhere (the disk
/// writer's thread) while the replica goes on applying inputs. A large state is then neither copied into one array
/// nor hashed on the replica's thread: on a virtual machine touching a fresh gigabyte alone costs seconds.
/// </summary>
public abstract class StateImage
{
    public abstract long Length { get; }

    /// <summary>
    /// The snapshot bytes in order, a block at a time; safe on any thread, and more than once. A block's bytes stay
    /// valid only until the next block is taken.
    /// </summary>
    public abstract IEnumerable<ReadOnlyMemory<byte>> Blocks();

    /// <summary>Writes the snapshot bytes in order, a block at a time.</summary>
    public void WriteTo(BlockWriter write)
    {
        foreach (var block in Blocks()) write(block.Span);
    }

    /// <summary>SHA-256 of the snapshot bytes, hashed block by block (never laid out whole); safe on any thread.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before the end.</exception>
    public byte[] Sha256(CancellationToken ct = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in Blocks())
        {
            ct.ThrowIfCancellationRequested();
            hash.AppendData(block.Span);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>The snapshot bytes in one array (small states, tests, the in-memory copy fallback).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        var offset = 0;
        WriteTo(block =>
        {
            block.CopyTo(bytes.AsSpan(offset));
            offset += block.Length;
        });
        return bytes;
    }
}

/// <summary>An image that already is one array.</summary>
public sealed class BytesImage(byte[] bytes) : StateImage
{
    public override long Length => bytes.Length;
    public override IEnumerable<ReadOnlyMemory<byte>> Blocks() => [bytes];
}
