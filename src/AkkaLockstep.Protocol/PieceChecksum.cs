using System.Buffers.Binary;
using System.Numerics;

namespace AkkaLockstep.Protocol;

/// <summary>
/// CRC-32C of one piece of a full copy: a damaged piece is refused and asked for again at once, instead of being
/// found only by the whole copy's SHA-256 at its end (which costs the whole copy). Uses the CPU's CRC instruction.
/// </summary>
public static class PieceChecksum
{
    public static uint Of(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
