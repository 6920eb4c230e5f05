namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>One stream made of two: reads come from one, writes go to the other (a connection in memory).</summary>
internal sealed class CombinedStream(Stream reads, Stream writes) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => reads.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        reads.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => writes.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        writes.WriteAsync(buffer, cancellationToken);

    public override void Flush() => writes.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writes.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
