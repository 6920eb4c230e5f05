using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace AkkaLockstep.Wire.Framing;

/// <summary>Cuts length-prefixed protobuf frames out of a byte sequence.</summary>
public static class FrameDecoder
{
    /// <summary>
    /// Decodes the first frame of <paramref name="buffer"/> and slices it off. Returns false when the buffer
    /// does not hold a whole frame yet. Throws <see cref="FrameException"/> as soon as the input is known to be
    /// bad: an oversized length is rejected from its 4 header bytes, before any payload is buffered.
    /// </summary>
    public static bool TryDecode<T>(ref ReadOnlySequence<byte> buffer, MessageParser<T> parser, out T? message)
        where T : IMessage<T> =>
        TryDecode(ref buffer, parser.ParseFrom, out message);

    /// <summary>As above, with the payload parsed by <paramref name="parse"/> (which throws protobuf's exceptions for bad input).</summary>
    public static bool TryDecode<T>(ref ReadOnlySequence<byte> buffer, Func<ReadOnlySequence<byte>, T> parse, out T? message)
    {
        message = default;
        if (buffer.Length < FrameLimits.HeaderBytes) return false;
        Span<byte> header = stackalloc byte[FrameLimits.HeaderBytes];
        buffer.Slice(0, FrameLimits.HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > FrameLimits.MaxFrameBytes)
            throw new FrameException($"frame length {length} exceeds the {FrameLimits.MaxFrameBytes}-byte limit");
        if (buffer.Length - FrameLimits.HeaderBytes < length) return false;
        var payload = buffer.Slice(FrameLimits.HeaderBytes, length);
        try
        {
            message = parse(payload);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or DecoderFallbackException)
        {
            throw new FrameException($"frame of {length} bytes is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
