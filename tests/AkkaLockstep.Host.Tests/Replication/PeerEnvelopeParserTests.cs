using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Host.Replication.ReplicationLink;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;

namespace AkkaLockstep.Host.Tests.Replication;

/// <summary>
/// The replication connection's own parser reads a copy piece into a pooled buffer and must agree with protobuf's parser
/// on every input: what protobuf accepts it reads the same, what protobuf refuses it refuses.
/// </summary>
public sealed class PeerEnvelopeParserTests
{
    private static byte[] Piece(Random random, int dataBytes, bool digest) =>
        SnapshotChunk.Of(random.NextInt64(-5, long.MaxValue), random.NextInt64(), random.Next(), random.Next(1 << 20),
                random.NextInt64(1 << 30), RandomBytes(random, dataBytes), digest ? RandomBytes(random, 32) : [])
            .ToEnvelope("db-" + random.Next(100), "h" + random.Next(3)).ToByteArray();

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The bytes as a sequence cut into segments of up to <paramref name="segment"/> bytes, as a pipe holds them.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segment)
    {
        if (bytes.Length <= segment) return new ReadOnlySequence<byte>(bytes);
        var first = new Segment(bytes.AsMemory(0, segment), 0);
        var last = first;
        for (var offset = segment; offset < bytes.Length; offset += segment)
            last = last.Append(bytes.AsMemory(offset, Math.Min(segment, bytes.Length - offset)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Fact]
    public void A_copy_piece_reads_as_protobuf_reads_it_into_a_pooled_buffer()
    {
        var random = new Random(11);
        foreach (var (dataBytes, digest, segment) in new[] { (1 << 20, false, 65_536), (1 << 20, true, 4096), (777, true, 100), (0, true, 1 << 20) })
        {
            var bytes = Piece(random, dataBytes, digest);
            var ours = PeerEnvelopeParser.Parse(Segmented(bytes, segment));
            Assert.Equal(PeerEnvelopeProto.Parser.ParseFrom(bytes), ours);
            Assert.Equal(dataBytes > 0, MemoryMarshal.TryGetMemoryManager(ours.SnapshotChunk.Data.Memory, out PooledPiece? _));
            PooledPiece.Release(ours.SnapshotChunk.Data.Memory);
        }
    }

    [Fact]
    public void Other_messages_read_as_protobuf_reads_them()
    {
        PeerMessage[] messages =
        [
            new Append(3, 10, 2, [new Input(11, 3, 1000, 42, Guid.NewGuid(), 5, "put"u8.ToArray())], 10, 9, [1, 2, 3], 0),
            new Probe(5, 4, 99, ReplicaRole.Secondary, true, "h2/def"),
            new CopyAck(4, 100, 2048, true),
        ];
        foreach (var message in messages)
        {
            var bytes = message.ToEnvelope("db", "h1").ToByteArray();
            var ours = PeerEnvelopeParser.Parse(new ReadOnlySequence<byte>(bytes));
            Assert.Equal(PeerEnvelopeProto.Parser.ParseFrom(bytes), ours);
            Assert.Equal(message.GetType(), ours.FromEnvelope()!.GetType());
        }
    }

    /// <summary>A released piece's buffer is back in the pool: the piece can no longer be read.</summary>
    [Fact]
    public void A_released_piece_cannot_be_read_and_a_second_release_does_nothing()
    {
        var piece = PooledPiece.Rent(1000);
        piece.GetSpan().Fill(7);
        var memory = piece.Memory;
        PooledPiece.Release(memory);
        PooledPiece.Release(memory);
        Assert.Throws<ObjectDisposedException>(() => piece.GetSpan());
        PooledPiece.Release(new byte[10]);
    }

    /// <summary>
    /// Mutated pieces (a byte changed, cut short, a field repeated or appended) and random bytes: the parser gives what
    /// protobuf gives, or fails as protobuf fails (the frame reader turns either failure into a closed connection).
    /// </summary>
    [Fact]
    public void Mutated_and_random_frames_are_read_or_refused_as_protobuf_does()
    {
        var random = new Random(23);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = Piece(random, random.Next(0, 300), random.Next(2) == 0);
            switch (random.Next(5))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                case 2:
                    bytes = [.. bytes, .. bytes[..random.Next(bytes.Length)]];
                    break;
                case 3:
                    bytes = RandomBytes(random, random.Next(1, 64));
                    break;
                default:
                    bytes = [.. bytes, .. Encoding.UTF8.GetBytes("\x3a\x02hi")];
                    break;
            }
            AssertAgrees(bytes);
        }
    }

    private static void AssertAgrees(byte[] bytes)
    {
        PeerEnvelopeProto? expected = null;
        Exception? refused = null;
        try
        {
            expected = PeerEnvelopeProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or DecoderFallbackException)
        {
            refused = e;
        }
        if (refused is not null)
        {
            var ours = Record.Exception(() => PeerEnvelopeParser.Parse(new ReadOnlySequence<byte>(bytes)));
            Assert.True(ours is InvalidProtocolBufferException or DecoderFallbackException,
                $"protobuf refused {Convert.ToHexString(bytes)} ({refused.Message}); ours gave {ours?.ToString() ?? "a message"}");
        }
        else Assert.Equal(expected, PeerEnvelopeParser.Parse(new ReadOnlySequence<byte>(bytes)));
    }
}
