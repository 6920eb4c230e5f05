using System.Buffers.Binary;
using System.Text;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>
/// Builds backend messages into one growing buffer that the connection flushes to the client. Each message is
/// written whole: <see cref="BeginMessage"/> reserves the length word and <see cref="EndMessage"/> fills it in.
/// </summary>
internal sealed class PgBackendWriter
{
    byte[] _buffer = new byte[4096];
    int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public async ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (_length == 0)
            return;
        await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        await stream.FlushAsync(cancellationToken);
        _length = 0;
    }

    /// <summary>Drops everything written from <paramref name="position"/> on, to abandon a half-written message.</summary>
    public void Truncate(int position) => _length = position;

    /// <summary>Writes the type byte and a length placeholder; returns the message start for <see cref="EndMessage"/>.</summary>
    public int BeginMessage(byte type)
    {
        var start = _length;
        WriteByte(type);
        WriteInt32(0);
        return start;
    }

    public void EndMessage(int start) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(start + 1), _length - start - 1);

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteUtf8(string text)
    {
        var span = Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        _length -= span.Length - written;
    }

    /// <summary>A NUL-terminated string; embedded NULs would end it early and shift every later field, so they are dropped.</summary>
    public void WriteCString(string text)
    {
        WriteUtf8(text.Contains('\0') ? text.Replace("\0", "") : text);
        WriteByte(0);
    }

    /// <summary>Reserves a length word to be set by <see cref="PatchInt32"/> once the value after it is written.</summary>
    public int ReserveInt32()
    {
        var position = _length;
        WriteInt32(0);
        return position;
    }

    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position), value);

    Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
