using System.Buffers.Binary;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>
/// Cuts the client byte stream into packets: first untyped startup packets (length word first), then typed
/// messages (type byte, length word). Lengths are checked before any payload is buffered, so a hostile length
/// cannot make the server allocate more than the configured maximum. Returns null at a clean end of stream
/// between packets; an end of stream inside a packet throws <see cref="EndOfStreamException"/>.
/// </summary>
internal sealed class PgFrameReader(Stream stream, int maxMessageLength)
{
    /// <summary>PostgreSQL's own limit on startup packets (MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxStartupPacketLength = 10_000;

    byte[] _buffer = new byte[8192];
    int _start;
    int _end;

    public int MaxMessageLength { get; } = maxMessageLength;

    public async ValueTask<StartupPacket?> ReadStartupPacketAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(4, allowCleanEnd: true, cancellationToken))
            return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));
        if (length < 8 || length > MaxStartupPacketLength)
            throw new PgProtocolException("invalid length of startup packet", fatal: true);
        await FillAsync(length, allowCleanEnd: false, cancellationToken);
        var packet = StartupPacketParser.Parse(_buffer.AsSpan(_start + 4, length - 4));
        _start += length;
        return packet;
    }

    public async ValueTask<PgFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(5, allowCleanEnd: true, cancellationToken))
            return null;
        var type = _buffer[_start];
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start + 1));
        if (length < 4)
            throw new PgProtocolException("invalid message length", fatal: true);
        if (length - 4 > MaxMessageLength)
        {
            throw new PgProtocolException(
                $"message of {length - 4} bytes exceeds the maximum of {MaxMessageLength} bytes", fatal: true, PgSqlState.ProgramLimitExceeded);
        }

        await FillAsync(1 + length, allowCleanEnd: false, cancellationToken);
        var frame = new PgFrame(type, _buffer.AsMemory(_start + 5, length - 4));
        _start += 1 + length;
        return frame;
    }

    /// <summary>Ensures <paramref name="count"/> unread bytes are buffered; false only at a clean end before any byte.</summary>
    async ValueTask<bool> FillAsync(int count, bool allowCleanEnd, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
            return true;
        MakeRoom(count);
        while (_end - _start < count)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                if (allowCleanEnd && _end == _start)
                    return false;
                throw new EndOfStreamException("The client closed the connection inside a message.");
            }

            _end += read;
        }

        return true;
    }

    void MakeRoom(int count)
    {
        var buffered = _end - _start;
        if (_buffer.Length < count)
        {
            var larger = new byte[Math.Max(count, Math.Min(_buffer.Length * 2, MaxMessageLength + 5))];
            _buffer.AsSpan(_start, buffered).CopyTo(larger);
            _buffer = larger;
        }
        else if (_buffer.Length - _start < count)
        {
            _buffer.AsSpan(_start, buffered).CopyTo(_buffer);
        }
        else
        {
            return;
        }

        _start = 0;
        _end = buffered;
    }
}
