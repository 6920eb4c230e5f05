using System.Buffers;
using System.Text;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;

namespace AkkaLockstep.Host.Replication.ReplicationLink;

/// <summary>
/// Parses the envelopes a replication connection receives. A piece of a full copy (a megabyte) is read by hand so that
/// its data lands in a <see cref="PooledPiece"/> instead of the fresh array protobuf gives every bytes field; the copy
/// hands the buffer back once it has stored the piece. Anything else, and any piece laid out other than as our
/// senders write it (a field twice, a field this parser does not know), goes to protobuf's parser, which also reports
/// bad input.
/// </summary>
public static class PeerEnvelopeParser
{
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    public static PeerEnvelopeProto Parse(ReadOnlySequence<byte> payload) =>
        TryParseCopyPiece(payload) ?? PeerEnvelopeProto.Parser.ParseFrom(payload);

    /// <summary>The envelope if it is a piece of a full copy laid out plainly; null for protobuf's parser to read.</summary>
    private static PeerEnvelopeProto? TryParseCopyPiece(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        string? vm = null, fromHost = null;
        ReadOnlySequence<byte>? chunk = null;
        while (!reader.End)
        {
            if (!TryReadTag(ref reader, out var field, out var wireType) || wireType != LengthDelimited ||
                !TryReadLength(ref reader, out var length)) return null;
            var value = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            switch (field)
            {
                case 1 when vm is null:
                    vm = Utf8(value);
                    break;
                case 2 when fromHost is null:
                    fromHost = Utf8(value);
                    break;
                case 6 when chunk is null:
                    chunk = value;
                    break;
                default:
                    return null;
            }
        }
        if (chunk is not { } body || TryParseChunk(body) is not { } piece) return null;
        return new PeerEnvelopeProto { Vm = vm ?? "", FromHost = fromHost ?? "", SnapshotChunk = piece };
    }

    private static SnapshotChunkProto? TryParseChunk(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        var piece = new SnapshotChunkProto();
        var seen = 0;
        while (!reader.End)
        {
            if (!TryReadTag(ref reader, out var field, out var wireType) || field is < 1 or > 8 || (seen & (1 << field)) != 0) return null;
            seen |= 1 << field;
            switch (field, wireType)
            {
                case (>= 1 and <= 5, Varint):
                    if (!reader.TryReadVarint(out var number)) return null;
                    SetNumber(piece, field, (long)number);
                    break;
                case (6 or 7, LengthDelimited):
                    if (!TryReadLength(ref reader, out var length)) return null;
                    var bytes = reader.UnreadSequence.Slice(0, length);
                    reader.Advance(length);
                    if (field == 7) piece.Digest = UnsafeByteOperations.UnsafeWrap(bytes.ToArray());
                    else piece.Data = Pooled(bytes);
                    break;
                case (8, Fixed32):
                    if (!reader.TryReadLittleEndian(out int checksum)) return null;
                    piece.Checksum = (uint)checksum;
                    break;
                default:
                    return null;
            }
        }
        return piece;
    }

    private static void SetNumber(SnapshotChunkProto piece, int field, long value)
    {
        switch (field)
        {
            case 1: piece.Epoch = value; break;
            case 2: piece.SnapshotIndex = value; break;
            case 3: piece.SnapshotEpoch = value; break;
            case 4: piece.Offset = value; break;
            default: piece.TotalLength = value; break;
        }
    }

    private static ByteString Pooled(ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsEmpty) return ByteString.Empty;
        var piece = PooledPiece.Rent((int)bytes.Length);
        bytes.CopyTo(piece.GetSpan());
        return UnsafeByteOperations.UnsafeWrap(piece.Memory);
    }

    // As strict as protobuf's own parser: invalid UTF-8 is bad input, not replaced.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Utf8(ReadOnlySequence<byte> bytes) => StrictUtf8.GetString(bytes);

    private static bool TryReadTag(ref SequenceReader<byte> reader, out int field, out int wireType)
    {
        field = wireType = 0;
        if (!reader.TryReadVarint(out var tag) || tag > int.MaxValue) return false;
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return field > 0;
    }

    /// <summary>A length-delimited field's length, if that many bytes follow.</summary>
    private static bool TryReadLength(ref SequenceReader<byte> reader, out int length)
    {
        length = 0;
        if (!reader.TryReadVarint(out var value) || value > (ulong)reader.Remaining) return false;
        length = (int)value;
        return true;
    }

    private static bool TryReadVarint(this ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b)) return false;
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }
}
