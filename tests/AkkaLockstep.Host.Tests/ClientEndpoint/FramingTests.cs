using System.Buffers;
using System.IO.Pipelines;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;
using Google.Protobuf;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

public sealed class FramingTests
{
    private static byte[] Encode(params IMessage[] messages)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var message in messages) FrameEncoder.Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private static ClientFrame Locate(ulong correlation) =>
        new() { Locate = new LocateRequest { Correlation = correlation, Vm = "vm" } };

    [Fact]
    public void Header_is_big_endian_payload_length()
    {
        var frame = Locate(1);
        var bytes = Encode(frame);
        Assert.Equal(frame.CalculateSize(), (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
        Assert.Equal(frame, ClientFrame.Parser.ParseFrom(bytes.AsSpan(4)));
    }

    [Fact]
    public async Task Reader_decodes_frames_delivered_one_byte_at_a_time_then_reports_clean_end()
    {
        var bytes = Encode(Locate(1), Locate(2), Locate(3));
        var pipe = new Pipe();
        var reader = new FrameReader<ClientFrame>(pipe.Reader, ClientFrame.Parser);
        var feeding = Task.Run(async () =>
        {
            foreach (var b in bytes) await pipe.Writer.WriteAsync(new[] { b });
            await pipe.Writer.CompleteAsync();
        });

        for (ulong i = 1; i <= 3; i++) Assert.Equal(i, (await reader.ReadAsync(default))!.Locate.Correlation);
        Assert.Null(await reader.ReadAsync(default));
        await feeding;
    }

    [Fact]
    public async Task Reader_rejects_a_stream_that_ends_inside_a_frame()
    {
        var bytes = Encode(Locate(1));
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, bytes.Length - 1));
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader<ClientFrame>(pipe.Reader, ClientFrame.Parser);

        await Assert.ThrowsAsync<FrameException>(async () => await reader.ReadAsync(default));
    }

    [Fact]
    public void Decoder_rejects_an_oversized_length_from_the_header_alone()
    {
        var sequence = new ReadOnlySequence<byte>(new byte[] { 0x00, 0x40, 0x00, 0x01 });

        Assert.Throws<FrameException>(() => FrameDecoder.TryDecode(ref sequence, ClientFrame.Parser, out _));
    }

    [Fact]
    public void Decoder_waits_for_the_rest_of_a_frame()
    {
        var bytes = Encode(Locate(1));
        var sequence = new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1);

        Assert.False(FrameDecoder.TryDecode(ref sequence, ClientFrame.Parser, out _));
        Assert.Equal(bytes.Length - 1, sequence.Length);
    }

    [Fact]
    public void Decoder_wraps_undecodable_protobuf_in_a_frame_exception()
    {
        // Field 1 with wire type 7, which does not exist.
        var sequence = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 2, 0x0F, 0x01 });

        var error = Assert.Throws<FrameException>(() => FrameDecoder.TryDecode(ref sequence, ClientFrame.Parser, out _));
        Assert.IsType<InvalidProtocolBufferException>(error.InnerException);
    }

    [Fact]
    public void Encoder_refuses_a_message_over_the_frame_limit()
    {
        var frame = new ClientFrame { Request = new Request { Command = ByteString.CopyFrom(new byte[FrameLimits.MaxFrameBytes]) } };

        Assert.Throws<FrameException>(() => FrameEncoder.Write(new ArrayBufferWriter<byte>(), frame));
    }
}
