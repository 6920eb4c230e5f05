using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// Building blocks of the sql guest's binary encodings (commands, results, snapshots). Unsigned integers are
/// LEB128 varints in their shortest form, signed ones zigzag varints, reals 8 bytes little-endian, text and blobs a
/// varint length then the bytes (text is UTF-8). Decoding is strict: non-minimal varints, overflows, lengths past
/// the end and invalid UTF-8 are errors, so every value has exactly one encoding.
/// </summary>
internal sealed class SqlWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public SqlWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(16, initialCapacity));

    public int Length => _buffer.WrittenCount;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Clear() => _buffer.Clear();

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void UVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void Varint(long value) => UVarint((ulong)((value << 1) ^ (value >> 63)));

    public void Fixed64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        UVarint((ulong)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void Raw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    public void Value(SqlValue value)
    {
        Byte((byte)value.Kind);
        switch (value.Kind)
        {
            case SqlValueKind.Integer: Varint(value.AsInteger); break;
            case SqlValueKind.Real: Fixed64(BitConverter.DoubleToInt64Bits(value.AsReal)); break;
            case SqlValueKind.Text: String(value.AsText); break;
            case SqlValueKind.Blob: Bytes(value.AsBlob); break;
        }
    }

    /// <summary>Encoded size of a value, without encoding it (for result-size accounting).</summary>
    public static long SizeOf(SqlValue value) => 1 + value.Kind switch
    {
        SqlValueKind.Integer => 10,
        SqlValueKind.Real => 8,
        SqlValueKind.Text => 5 + (long)Encoding.UTF8.GetByteCount(value.AsText),
        SqlValueKind.Blob => 5 + (long)value.AsBlob.Length,
        _ => 0,
    };
}

/// <summary>Strict reader for <see cref="SqlWriter"/>'s encoding; every method reports failure instead of throwing.</summary>
internal ref struct SqlReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlySpan<byte> _data = data;
    private int _offset;

    public readonly int Remaining => _data.Length - _offset;

    public readonly bool AtEnd => _offset == _data.Length;

    public string? Error { get; private set; }

    public bool Fail(string error)
    {
        Error ??= error;
        return false;
    }

    public bool Byte(out byte value)
    {
        value = 0;
        if (Remaining < 1) return Fail("truncated");
        value = _data[_offset++];
        return true;
    }

    public bool UVarint(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (Remaining < 1) return Fail("truncated varint");
            var b = _data[_offset++];
            if (shift == 63 && b > 1) return Fail("varint overflows 64 bits");
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0) return Fail("non-minimal varint");
                return true;
            }
        }
        return Fail("varint longer than 10 bytes");
    }

    public bool Varint(out long value)
    {
        value = 0;
        if (!UVarint(out var raw)) return false;
        value = (long)(raw >> 1) ^ -(long)(raw & 1);
        return true;
    }

    /// <summary>A count or length that must fit in an int and, at <paramref name="minBytesEach"/> bytes per item, in what is left.</summary>
    public bool Count(out int value, int minBytesEach)
    {
        value = 0;
        if (!UVarint(out var raw)) return false;
        if (raw > int.MaxValue) return Fail("count too large");
        if (minBytesEach > 0 && raw > (ulong)(Remaining / minBytesEach)) return Fail("count exceeds the remaining bytes");
        value = (int)raw;
        return true;
    }

    public bool Fixed64(out long value)
    {
        value = 0;
        if (Remaining < 8) return Fail("truncated");
        value = BinaryPrimitives.ReadInt64LittleEndian(_data[_offset..]);
        _offset += 8;
        return true;
    }

    public bool Bytes(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!Count(out var length, 1)) return false;
        value = _data.Slice(_offset, length);
        _offset += length;
        return true;
    }

    public bool Raw(int length, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (length < 0 || Remaining < length) return Fail("truncated");
        value = _data.Slice(_offset, length);
        _offset += length;
        return true;
    }

    public bool String(out string value)
    {
        value = "";
        if (!Bytes(out var bytes)) return false;
        try { value = StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return Fail("text is not valid UTF-8"); }
        return true;
    }

    public bool Value(out SqlValue value)
    {
        value = SqlValue.Null;
        if (!Byte(out var kind)) return false;
        switch ((SqlValueKind)kind)
        {
            case SqlValueKind.Null:
                return true;
            case SqlValueKind.Integer:
                if (!Varint(out var integer)) return false;
                value = SqlValue.Integer(integer);
                return true;
            case SqlValueKind.Real:
                if (!Fixed64(out var bits)) return false;
                value = SqlValue.Real(BitConverter.Int64BitsToDouble(bits));
                return true;
            case SqlValueKind.Text:
                if (!String(out var text)) return false;
                value = SqlValue.Text(text);
                return true;
            case SqlValueKind.Blob:
                if (!Bytes(out var blob)) return false;
                value = SqlValue.Blob(blob.ToArray());
                return true;
            default:
                return Fail($"unknown value kind {kind}");
        }
    }
}
