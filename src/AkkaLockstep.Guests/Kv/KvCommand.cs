using System.Buffers.Binary;
using System.Text;

namespace AkkaLockstep.Guests.Kv;

public enum KvOp : byte { Get = 1, Put = 2, Delete = 3, CompareAndSet = 4 }

/// <summary>
/// One kv command. Wire form: op byte, then length-prefixed (int32 LE) key, value and expected value;
/// a length of -1 means "absent" (a CAS whose expected value is absent means "only if the key is missing").
/// </summary>
public sealed record KvCommand(KvOp Op, string Key, byte[]? Value = null, byte[]? Expected = null)
{
    public const int MaxKeyBytes = 1024;
    public const int MaxValueBytes = 1 << 20;

    public static KvCommand Get(string key) => new(KvOp.Get, key);
    public static KvCommand Put(string key, byte[] value) => new(KvOp.Put, key, value);
    public static KvCommand Delete(string key) => new(KvOp.Delete, key);
    public static KvCommand Cas(string key, byte[]? expected, byte[] value) => new(KvOp.CompareAndSet, key, value, expected);

    public byte[] Encode()
    {
        var key = Encoding.UTF8.GetBytes(Key);
        var buffer = new byte[1 + 4 + key.Length + 4 + (Value?.Length ?? 0) + 4 + (Expected?.Length ?? 0)];
        buffer[0] = (byte)Op;
        var offset = 1;
        WriteField(buffer, ref offset, key);
        WriteField(buffer, ref offset, Value);
        WriteField(buffer, ref offset, Expected);
        return buffer;
    }

    /// <summary>Decodes a command; returns an error text instead of throwing on malformed bytes.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out KvCommand? command, out string? error)
    {
        command = null;
        if (bytes.Length < 1 || bytes[0] is < (byte)KvOp.Get or > (byte)KvOp.CompareAndSet)
        {
            error = "unknown kv operation";
            return false;
        }
        var op = (KvOp)bytes[0];
        var offset = 1;
        if (!TryReadField(bytes, ref offset, out var key, out error) || key is null)
        {
            error ??= "missing key";
            return false;
        }
        if (!TryReadField(bytes, ref offset, out var value, out error) ||
            !TryReadField(bytes, ref offset, out var expected, out error))
            return false;
        if (offset != bytes.Length) { error = "trailing bytes after kv command"; return false; }
        if (key.Length > MaxKeyBytes) { error = $"key longer than {MaxKeyBytes} bytes"; return false; }
        if (value is { Length: > MaxValueBytes }) { error = $"value longer than {MaxValueBytes} bytes"; return false; }
        if (op is KvOp.Put or KvOp.CompareAndSet && value is null) { error = "missing value"; return false; }
        string keyText;
        try { keyText = new UTF8Encoding(false, true).GetString(key); }
        catch (DecoderFallbackException) { error = "key is not valid UTF-8"; return false; }
        command = new KvCommand(op, keyText, value, expected);
        error = null;
        return true;
    }

    private static void WriteField(byte[] buffer, ref int offset, byte[]? field)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset), field?.Length ?? -1);
        offset += 4;
        if (field is null) return;
        field.CopyTo(buffer, offset);
        offset += field.Length;
    }

    private static bool TryReadField(ReadOnlySpan<byte> bytes, ref int offset, out byte[]? field, out string? error)
    {
        field = null;
        error = null;
        if (bytes.Length - offset < 4) { error = "truncated kv command"; return false; }
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
        offset += 4;
        if (length == -1) return true;
        if (length < 0 || length > bytes.Length - offset) { error = "bad field length in kv command"; return false; }
        field = bytes.Slice(offset, length).ToArray();
        offset += length;
        return true;
    }
}
