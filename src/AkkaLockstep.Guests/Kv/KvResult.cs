using System.Text;

namespace AkkaLockstep.Guests.Kv;

public enum KvStatus : byte { Ok = 0, NotFound = 1, CasFailed = 2, Error = 3 }

/// <summary>
/// Output of one kv command. Wire form: status byte, then the value (Ok for get, or the current value on
/// CasFailed) or a UTF-8 error text (Error).
/// </summary>
public sealed record KvResult(KvStatus Status, byte[]? Value = null, string? Error = null)
{
    public static readonly KvResult Ok = new(KvStatus.Ok);
    public static readonly KvResult NotFound = new(KvStatus.NotFound);

    public byte[] Encode()
    {
        var payload = Status == KvStatus.Error ? Encoding.UTF8.GetBytes(Error ?? "") : Value ?? [];
        var buffer = new byte[1 + payload.Length];
        buffer[0] = (byte)Status;
        payload.CopyTo(buffer, 1);
        return buffer;
    }

    public static KvResult Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes[0] > (byte)KvStatus.Error)
            return new KvResult(KvStatus.Error, Error: "malformed kv result");
        var status = (KvStatus)bytes[0];
        var payload = bytes[1..];
        return status switch
        {
            KvStatus.Error => new KvResult(status, Error: Encoding.UTF8.GetString(payload)),
            KvStatus.NotFound => NotFound,
            _ => new KvResult(status, payload.Length == 0 && status == KvStatus.Ok ? null : payload.ToArray()),
        };
    }
}
