using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AkkaLockstep.Protocol;

/// <summary>
/// Running hash of every (input, output) pair a replica applied. Two replicas that applied the same inputs
/// deterministically hold the same value at the same index; a difference is a divergence.
/// </summary>
public sealed class HashChain
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _header = new byte[8 + 8 + 8 + 16 + 8 + 1];

    public HashChain(byte[]? initial = null)
    {
        Value = initial ?? new byte[32];
    }

    public byte[] Value { get; private set; }

    public void Append(Input input, ApplyKind kind, byte[] output)
    {
        _hash.AppendData(Value);
        var h = _header.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(h, input.Index);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], input.TimestampMs);
        BinaryPrimitives.WriteUInt64LittleEndian(h[16..], input.Seed);
        input.SessionId.TryWriteBytes(h[24..]);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], input.RequestNo);
        h[48] = (byte)kind;
        _hash.AppendData(h);
        _hash.AppendData(input.Command);
        _hash.AppendData(output);
        Value = _hash.GetHashAndReset();
    }

    public string Hex => Convert.ToHexString(Value, 0, 8).ToLowerInvariant();
}
