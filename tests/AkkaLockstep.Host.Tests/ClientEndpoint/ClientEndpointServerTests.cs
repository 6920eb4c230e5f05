using AkkaLockstep.Host.ClientEndpoint;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

public sealed class ClientEndpointServerTests
{
    private static readonly ByteString SessionId = ByteString.CopyFrom(new byte[16]);

    private static ClientFrame RequestFrame(ulong correlation, string command, long requestNo = 1) => new()
    {
        Request = new Request
        {
            Correlation = correlation, Vm = "vm1", SessionId = SessionId, RequestNo = requestNo,
            Command = ByteString.CopyFromUtf8(command),
        },
    };

    [Fact]
    public async Task Answers_requests_locates_and_pings_with_their_correlation()
    {
        var handler = new FakeHandler { Primary = "10.0.0.1:7000" };
        await using var server = await TestServers.StartAsync(handler);
        await using var connection = await RawConnection.OpenAsync(server);

        await connection.SendAsync(
            RequestFrame(7, "hello"),
            new ClientFrame { Locate = new LocateRequest { Correlation = 8, Vm = "vm1" } },
            new ClientFrame { Ping = new Ping { Correlation = 9 } });

        var frames = new[] { await connection.ReceiveAsync(), await connection.ReceiveAsync(), await connection.ReceiveAsync() };
        var response = Assert.Single(frames, f => f!.Response is not null)!.Response;
        Assert.Equal(7UL, response.Correlation);
        Assert.Equal(Status.Ok, response.Status);
        Assert.Equal("hello", response.Output.ToStringUtf8());
        var locate = Assert.Single(frames, f => f!.Locate is not null)!.Locate;
        Assert.Equal(8UL, locate.Correlation);
        Assert.Equal("10.0.0.1:7000", locate.PrimaryEndpoint);
        Assert.Equal(9UL, Assert.Single(frames, f => f!.Pong is not null)!.Pong.Correlation);
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_as_they_complete_not_in_arrival_order()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHandler
        {
            OnRequest = async (request, _, _) =>
            {
                // The first request waits for the last one: only a pipelined server can finish this.
                if (request.Correlation == 1) await release.Task;
                if (request.Correlation == 50) release.SetResult();
                return FakeHandler.Ok(request, request.Command.ToByteArray());
            },
        };
        await using var server = await TestServers.StartAsync(handler);
        await using var connection = await RawConnection.OpenAsync(server);

        await connection.SendAsync(Enumerable.Range(1, 50).Select(i => RequestFrame((ulong)i, $"c{i}")).ToArray());

        var answers = new List<Response>();
        for (var i = 0; i < 50; i++) answers.Add((await connection.ReceiveAsync())!.Response);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), answers.Select(a => a.Correlation).Order());
        Assert.All(answers, a => Assert.Equal($"c{a.Correlation}", a.Output.ToStringUtf8()));
        // 2..49 complete while 1 is still blocked, so all of them must be written before it.
        Assert.True(answers.FindIndex(a => a.Correlation == 1) >= 48);
    }

    [Fact]
    public async Task Handler_exception_or_missing_answer_becomes_unavailable_and_connection_stays_open()
    {
        var handler = new FakeHandler
        {
            OnRequest = (request, call, _) => call switch
            {
                1 => throw new InvalidOperationException("boom"),
                2 => Task.FromException<Response>(new InvalidOperationException("async boom")),
                3 => Task.FromResult<Response>(null!),
                _ => Task.FromResult(FakeHandler.Ok(request, [])),
            },
        };
        var logger = new ListLogger();
        await using var server = await TestServers.StartAsync(handler, logger);
        await using var connection = await RawConnection.OpenAsync(server);

        for (ulong i = 1; i <= 3; i++)
        {
            await connection.SendAsync(RequestFrame(i, "x"));
            var response = (await connection.ReceiveAsync())!.Response;
            Assert.Equal(i, response.Correlation);
            Assert.Equal(Status.Unavailable, response.Status);
        }
        await connection.SendAsync(RequestFrame(4, "x"));
        Assert.Equal(Status.Ok, (await connection.ReceiveAsync())!.Response.Status);
        Assert.Equal(2, logger.Count(LogLevel.Error));
    }

    [Fact]
    public async Task Requests_breaking_the_wire_contract_are_rejected_before_the_handler()
    {
        var handler = new FakeHandler();
        await using var server = await TestServers.StartAsync(handler);
        await using var connection = await RawConnection.OpenAsync(server);
        var badSession = RequestFrame(1, "x");
        badSession.Request.SessionId = ByteString.CopyFrom(new byte[15]);
        var noVm = RequestFrame(2, "x");
        noVm.Request.Vm = "";
        var badNumber = RequestFrame(3, "x", requestNo: 0);
        var tooLarge = RequestFrame(4, "");
        tooLarge.Request.Command = ByteString.CopyFrom(new byte[FrameLimits.MaxCommandBytes + 1]);

        await connection.SendAsync(badSession, noVm, badNumber, tooLarge);

        var statuses = new Dictionary<ulong, Status>();
        for (var i = 0; i < 4; i++)
        {
            var response = (await connection.ReceiveAsync())!.Response;
            statuses[response.Correlation] = response.Status;
        }
        Assert.Equal(Status.BadRequest, statuses[1]);
        Assert.Equal(Status.BadRequest, statuses[2]);
        Assert.Equal(Status.BadRequest, statuses[3]);
        Assert.Equal(Status.TooLarge, statuses[4]);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task A_frame_of_the_maximum_size_round_trips()
    {
        await using var server = await TestServers.StartAsync(new FakeHandler());
        await using var connection = await RawConnection.OpenAsync(server);
        var command = new byte[FrameLimits.MaxCommandBytes];
        new Random(1).NextBytes(command);
        var frame = RequestFrame(1, "");
        frame.Request.Command = ByteString.CopyFrom(command);

        await connection.SendAsync(frame);

        Assert.Equal(command, (await connection.ReceiveAsync())!.Response.Output.ToByteArray());
    }

    [Theory]
    [InlineData(FrameLimits.MaxFrameBytes + 1)]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    public async Task An_oversized_length_closes_only_that_connection_without_waiting_for_the_payload(int length)
    {
        var logger = new ListLogger();
        await using var server = await TestServers.StartAsync(new FakeHandler(), logger);
        await using var bystander = await RawConnection.OpenAsync(server);
        await using var offender = await RawConnection.OpenAsync(server);
        var header = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, length);

        await offender.SendRawAsync(header);

        Assert.Empty(await offender.ReceiveUntilClosedAsync());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("exceeds"));
        await bystander.SendAsync(RequestFrame(1, "still here"));
        Assert.Equal("still here", (await bystander.ReceiveAsync())!.Response.Output.ToStringUtf8());
        await TestServers.EventuallyAsync(() => server.ConnectionCount == 1, "offender connection removed");
    }

    [Fact]
    public async Task Survives_thousands_of_random_and_mutated_byte_streams_while_another_connection_keeps_working()
    {
        var handler = new FakeHandler();
        var logger = new ListLogger();
        await using var server = await TestServers.StartAsync(handler, logger);
        await using var bystander = await RawConnection.OpenAsync(server);
        var random = new Random(20240611);
        var valid = new System.Buffers.ArrayBufferWriter<byte>();
        FrameEncoder.Write(valid, RequestFrame(1, "valid command"));
        FrameEncoder.Write(valid, new ClientFrame { Locate = new LocateRequest { Correlation = 2, Vm = "vm1" } });
        var template = valid.WrittenSpan.ToArray();

        const int cases = 3000;
        const int parallel = 50;
        for (var batch = 0; batch < cases / parallel; batch++)
        {
            var inputs = Enumerable.Range(0, parallel).Select(_ => Garbage(random, template)).ToArray();
            await Task.WhenAll(inputs.Select(async bytes =>
            {
                await using var connection = await RawConnection.OpenAsync(server);
                await connection.SendRawAsync(bytes);
                connection.FinishSending();
                // Whatever the server makes of it, it must answer in well-formed frames and then close.
                foreach (var frame in await connection.ReceiveUntilClosedAsync())
                    Assert.NotEqual(HostFrame.BodyOneofCase.None, frame.BodyCase);
            }));
            await bystander.SendAsync(RequestFrame((ulong)batch + 1, $"batch {batch}"));
            Assert.Equal($"batch {batch}", (await bystander.ReceiveAsync())!.Response.Output.ToStringUtf8());
        }
        await TestServers.EventuallyAsync(() => server.ConnectionCount == 1, "only the bystander left connected");
        // Every bad input was recognised as malformed input, none reached the "unexpected error" path.
        Assert.Equal(0, logger.Count(LogLevel.Error));
        Assert.True(logger.Count(LogLevel.Warning) > cases / 2);
    }

    /// <summary>Random bytes, or valid frames with bytes flipped, cut short, or a rewritten length.</summary>
    private static byte[] Garbage(Random random, byte[] template)
    {
        switch (random.Next(4))
        {
            case 0:
                var bytes = new byte[random.Next(1, 200)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                var flipped = (byte[])template.Clone();
                for (var i = random.Next(1, 6); i > 0; i--) flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                return flipped;
            case 2:
                return template[..random.Next(1, template.Length)];
            default:
                var relength = (byte[])template.Clone();
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(relength, random.Next(0, template.Length * 2));
                return relength;
        }
    }

    [Fact]
    public async Task A_frame_without_a_body_closes_the_connection()
    {
        await using var server = await TestServers.StartAsync(new FakeHandler());
        await using var connection = await RawConnection.OpenAsync(server);

        await connection.SendRawAsync([0, 0, 0, 0]);

        Assert.Empty(await connection.ReceiveUntilClosedAsync());
    }

    [Fact]
    public async Task StopAsync_closes_every_connection_even_with_requests_in_flight()
    {
        var started = new TaskCompletionSource();
        var handler = new FakeHandler
        {
            OnRequest = async (request, _, token) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
                return FakeHandler.Ok(request, []);
            },
        };
        var server = await TestServers.StartAsync(handler);
        await using var first = await RawConnection.OpenAsync(server);
        await using var second = await RawConnection.OpenAsync(server);
        await first.SendAsync(RequestFrame(1, "hangs"));
        await started.Task;

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(await first.ReceiveUntilClosedAsync());
        Assert.Empty(await second.ReceiveUntilClosedAsync());
        Assert.Equal(0, server.ConnectionCount);
    }
}
