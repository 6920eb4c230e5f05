using System.Buffers;
using System.Runtime.InteropServices;

namespace AkkaLockstep.Protocol;

/// <summary>
/// A piece of a full copy received into a buffer rented from the shared pool, handed back once the copy has stored it.
/// A host restarted into a 1 GiB copy otherwise took a fresh megabyte from the kernel for every piece (page zeroing was
/// a tenth of the machine during the copy). A piece that is never stored (refused, a resend) is simply not handed back.
/// </summary>
public sealed class PooledPiece : MemoryManager<byte>
{
    private byte[]? _array;
    private readonly int _length;

    private PooledPiece(int length)
    {
        _array = ArrayPool<byte>.Shared.Rent(length);
        _length = length;
    }

    /// <summary>A buffer of <paramref name="length"/> bytes to fill; its <see cref="MemoryManager{T}.Memory"/> is the piece.</summary>
    public static PooledPiece Rent(int length) => new(length);

    /// <summary>
    /// Hands the buffer behind <paramref name="piece"/> back to the pool if it is a pooled piece (any other memory is left
    /// alone). The caller must hold the last use of it: nothing may read the piece afterwards.
    /// </summary>
    public static void Release(ReadOnlyMemory<byte> piece)
    {
        if (MemoryMarshal.TryGetMemoryManager(piece, out PooledPiece? pooled)) pooled.Return();
    }

    private void Return()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array) ArrayPool<byte>.Shared.Return(array);
    }

    public override Memory<byte> Memory => CreateMemory(_length);

    public override Span<byte> GetSpan() =>
        (_array ?? throw new ObjectDisposedException(nameof(PooledPiece), "the piece was handed back to the pool")).AsSpan(0, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException("pooled pieces are not pinned");

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => Return();
}
