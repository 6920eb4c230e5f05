using System.Buffers.Binary;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>Reads the fields of one message payload; running past the end or leftover bytes are a malformed message.</summary>
internal ref struct PgPayloadReader(ReadOnlySpan<byte> payload, string messageName)
{
    readonly ReadOnlySpan<byte> _payload = payload;
    int _position;

    public readonly int Remaining => _payload.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public ReadOnlySpan<byte> ReadBytes(int count) => count < 0 ? throw PgProtocolException.Malformed(messageName) : Take(count);

    /// <summary>A NUL-terminated string; a missing terminator is a malformed message, invalid UTF-8 an encoding error.</summary>
    public string ReadCString()
    {
        var end = _payload[_position..].IndexOf((byte)0);
        if (end < 0)
            throw PgProtocolException.Malformed(messageName);
        var text = DecodeText(_payload.Slice(_position, end));
        _position += end + 1;
        return text;
    }

    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
            throw PgProtocolException.Malformed(messageName);
    }

    ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw PgProtocolException.Malformed(messageName);
        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }

    static string DecodeText(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return PgText.Decode(bytes);
        }
        catch (PgException e)
        {
            throw new PgProtocolException(e.Message, fatal: false, e.SqlState);
        }
    }
}
