using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace AkkaLockstep.Wire.Framing;

/// <summary>Writes length-prefixed protobuf frames straight into a caller's buffer (no intermediate arrays).</summary>
public static class FrameEncoder
{
    /// <summary>Appends one frame; throws <see cref="FrameException"/> if the message is over the size limit.</summary>
    public static void Write(IBufferWriter<byte> output, IMessage message)
    {
        var size = message.CalculateSize();
        if (size > FrameLimits.MaxFrameBytes)
            throw new FrameException($"message of {size} bytes exceeds the {FrameLimits.MaxFrameBytes}-byte frame limit");
        var span = output.GetSpan(FrameLimits.HeaderBytes + size);
        BinaryPrimitives.WriteInt32BigEndian(span, size);
        message.WriteTo(span.Slice(FrameLimits.HeaderBytes, size));
        output.Advance(FrameLimits.HeaderBytes + size);
    }
}
