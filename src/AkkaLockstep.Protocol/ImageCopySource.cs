namespace AkkaLockstep.Protocol;

/// <summary>
/// The state frozen at an index, sent as a full copy straight from memory: each piece is laid out from the image when
/// it is read, and its SHA-256 is computed on a thread of its own meanwhile (<see cref="Ready"/>; the first pieces go
/// without it, the last one carries it). It replaces the fresh checkpoint a copy used to wait for when the newest disk
/// lagged far behind the state: for a large state that wait (lay out, hash, write, fsync) cost seconds before the first
/// byte went.
/// </summary>
public sealed class ImageCopySource : CopySource
{
    private readonly StateImage _image;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<byte[]> _digest;
    private IEnumerator<ReadOnlyMemory<byte>>? _blocks;
    // What is left of the block being read, and the offset of its first byte in the state.
    private ReadOnlyMemory<byte> _rest;
    private long _position;

    public ImageCopySource(long index, StateImage image)
    {
        Index = index;
        Length = image.Length;
        _image = image;
        var stop = _stop.Token;
        _digest = Task.Run(() => image.Sha256(stop), stop);
    }

    public override long Index { get; }
    public override long Length { get; }

    /// <summary>True once the digest is known (or its computation failed, which <see cref="Digest"/> then throws).</summary>
    public override bool Ready => _digest.IsCompleted;

    public override byte[] Digest => Ready
        ? _digest.GetAwaiter().GetResult()
        : throw new InvalidOperationException("the digest of the frozen state is still being computed");

    public override string Description => "the state frozen in memory";

    public override ReadOnlyMemory<byte> Read(long offset, int size)
    {
        if (offset < 0 || size < 0 || offset + size > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{offset}+{size} is outside the frozen state's {Length} bytes");
        // Pieces are read in order but for a resend after a loss: that lays the image out again from its start.
        if (_blocks is null || offset < _position) Restart();
        Skip(offset - _position);
        var piece = new byte[size];
        var filled = 0;
        while (filled < size)
        {
            NextBlockIfEmpty();
            var take = Math.Min(size - filled, _rest.Length);
            _rest.Span[..take].CopyTo(piece.AsSpan(filled));
            _rest = _rest[take..];
            filled += take;
        }
        _position += size;
        return piece;
    }

    private void Restart()
    {
        _blocks?.Dispose();
        _blocks = _image.Blocks().GetEnumerator();
        _rest = ReadOnlyMemory<byte>.Empty;
        _position = 0;
    }

    private void Skip(long bytes)
    {
        while (bytes > 0)
        {
            NextBlockIfEmpty();
            var take = (int)Math.Min(bytes, _rest.Length);
            _rest = _rest[take..];
            bytes -= take;
            _position += take;
        }
    }

    private void NextBlockIfEmpty()
    {
        while (_rest.IsEmpty)
        {
            if (!_blocks!.MoveNext()) throw new InvalidOperationException($"the frozen state ended before the {Length} bytes it announced");
            _rest = _blocks.Current;
        }
    }

    public override void Dispose()
    {
        _stop.Cancel();
        _blocks?.Dispose();
        base.Dispose();
    }
}
