using AkkaLockstep.Guests.Kv;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaLockstep.Client;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

public sealed class LockstepClientTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Round_trip_uses_a_16_byte_session_id_and_request_numbers_from_1()
    {
        var handler = new FakeHandler();
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        Assert.Equal("one", Encoding.UTF8.GetString(await session.ExecuteAsync(Bytes("one"))));
        Assert.Equal("two", Encoding.UTF8.GetString(await session.ExecuteAsync(Bytes("two"))));

        var requests = handler.Requests.ToArray();
        Assert.Equal([1L, 2L], requests.Select(r => r.RequestNo));
        Assert.All(requests, r => Assert.Equal(session.SessionId.ToArray(), r.SessionId.ToByteArray()));
        Assert.Equal(16, session.SessionId.Length);
        Assert.All(requests, r => Assert.Equal("vm1", r.Vm));
        Assert.Equal(2, session.LastRequestNumber);
        Assert.Equal(0, session.Retries);
        Assert.Single(handler.Locates);
    }

    [Fact]
    public async Task Sixty_four_sessions_pipeline_over_one_connection_and_all_get_their_own_answers()
    {
        var handler = new ExactlyOnceGuestHandler(new KvGuest());
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));

        await Task.WhenAll(Enumerable.Range(0, 64).Select(async s =>
        {
            var kv = client.OpenKvSession("vm1");
            for (var i = 0; i < 40; i++)
            {
                await kv.PutAsync($"s{s}", Bytes($"s{s}-v{i}"));
                Assert.Equal($"s{s}-v{i}", Encoding.UTF8.GetString((await kv.GetAsync($"s{s}"))!));
            }
        }));

        Assert.Equal(64 * 40 * 2, handler.Applied);
        Assert.Equal(1, client.Statistics.Connects);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(0, client.Statistics.Retries);
    }

    [Fact]
    public async Task Concurrent_calls_on_one_session_are_serialized_with_distinct_increasing_numbers()
    {
        var inside = 0;
        var maxInside = 0;
        var handler = new FakeHandler
        {
            OnRequest = async (request, _, _) =>
            {
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Delay(2);
                Interlocked.Decrement(ref inside);
                return FakeHandler.Ok(request, BitConverter.GetBytes(request.RequestNo));
            },
        };
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        var numbers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            BitConverter.ToInt64(await session.ExecuteAsync([1]))));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), numbers.Order());
        Assert.Equal(1, maxInside);
    }

    [Fact]
    public async Task Not_primary_with_a_hint_is_retried_at_the_hinted_host_with_the_same_request_number()
    {
        var first = new FakeHandler();
        var second = new FakeHandler();
        await using var serverA = await TestServers.StartAsync(first);
        await using var serverB = await TestServers.StartAsync(second);
        first.Primary = serverA.Endpoint();
        first.OnRequest = (request, _, _) => Task.FromResult(FakeHandler.Fail(request, Status.NotPrimary, "moved", serverB.Endpoint()));
        await using var client = new LockstepClient(TestServers.FastOptions(serverA.Endpoint()));
        var session = client.OpenSession("vm1");

        Assert.Equal("x", Encoding.UTF8.GetString(await session.ExecuteAsync(Bytes("x"))));
        Assert.Equal("y", Encoding.UTF8.GetString(await session.ExecuteAsync(Bytes("y"))));

        var atA = Assert.Single(first.Requests);
        var atB = second.Requests.ToArray();
        Assert.Equal(atA.RequestNo, atB[0].RequestNo);
        Assert.Equal(atA.SessionId, atB[0].SessionId);
        Assert.Equal(2, atB[1].RequestNo);
        Assert.Equal(1, session.Retries);
        Assert.Equal(1, client.Statistics.Redirects);
        Assert.Contains(serverB.Endpoint(), client.KnownEndpoints);
    }

    [Fact]
    public async Task Not_primary_without_a_hint_relocates_and_keeps_the_request_number()
    {
        var first = new FakeHandler();
        var second = new FakeHandler();
        await using var serverA = await TestServers.StartAsync(first);
        await using var serverB = await TestServers.StartAsync(second);
        first.Primary = serverA.Endpoint();
        second.Primary = serverB.Endpoint();
        first.OnRequest = (request, _, _) =>
        {
            first.Primary = serverB.Endpoint();
            return Task.FromResult(FakeHandler.Fail(request, Status.NotPrimary));
        };
        await using var client = new LockstepClient(TestServers.FastOptions(serverA.Endpoint()));
        var session = client.OpenSession("vm1");

        await session.ExecuteAsync(Bytes("x"));

        Assert.Equal(Assert.Single(first.Requests).RequestNo, Assert.Single(second.Requests).RequestNo);
        Assert.Equal(2, first.Locates.Count);
        Assert.Equal(serverB.Endpoint(), await client.LocateAsync("vm1"));
    }

    [Fact]
    public async Task Unavailable_is_retried_with_backoff_and_the_same_request_number()
    {
        var handler = new FakeHandler();
        handler.OnRequest = (request, call, _) => Task.FromResult(call <= 3
            ? FakeHandler.Fail(request, Status.Unavailable, "resyncing")
            : FakeHandler.Ok(request, [42]));
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        Assert.Equal([42], await session.ExecuteAsync([1]));

        Assert.Equal(4, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(1, r.RequestNo));
        Assert.Equal(3, session.Retries);
        Assert.Equal(3, client.Statistics.Retries);
    }

    [Fact]
    public async Task A_host_dying_mid_request_is_survived_exactly_once_via_the_other_host()
    {
        // One kv state behind both servers stands in for a replicated VM: A applies, then dies before answering.
        var state = new ExactlyOnceGuestHandler(new KvGuest());
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.AfterApply = async (_, token) =>
        {
            applied.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
        };
        var serverA = await TestServers.StartAsync(state);
        await using var serverB = await TestServers.StartAsync(state);
        state.Primary = serverA.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(serverA.Endpoint(), serverB.Endpoint()));
        var kv = client.OpenKvSession("vm1");

        var put = kv.CompareAndSetAsync("k", null, Bytes("first"));
        await applied.Task;
        state.AfterApply = null;
        state.Primary = serverB.Endpoint();
        await serverA.StopAsync();

        Assert.True(await put);
        Assert.Equal(1, state.Applied);
        Assert.Equal(1, kv.Session.LastRequestNumber);
        Assert.True(kv.Session.Retries >= 1);
        Assert.True(client.Statistics.ConnectionFailures >= 1);
        Assert.Equal("first", Encoding.UTF8.GetString((await kv.GetAsync("k"))!));
    }

    [Fact]
    public async Task A_dropped_connection_is_reopened_to_the_restarted_host_with_the_same_request_number()
    {
        var first = new FakeHandler();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.OnRequest = async (request, _, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return FakeHandler.Ok(request, []);
        };
        var server = await TestServers.StartAsync(first);
        var port = server.Port;
        first.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        var call = session.ExecuteAsync(Bytes("again"));
        await started.Task;
        await server.StopAsync();
        var second = new FakeHandler { Primary = $"127.0.0.1:{port}" };
        await using var restarted = await TestServers.StartAsync(second, port: port);

        Assert.Equal("again", Encoding.UTF8.GetString(await call));
        Assert.Equal(Assert.Single(first.Requests).RequestNo, Assert.Single(second.Requests).RequestNo);
        Assert.Equal(Assert.Single(first.Requests).SessionId, Assert.Single(second.Requests).SessionId);
        Assert.Equal(2, client.Statistics.Connects);
    }

    [Fact]
    public async Task A_host_that_goes_silent_without_closing_is_abandoned_after_the_dead_connection_timeout()
    {
        // Accepts connections and reads whatever comes, but never answers anything, not even pings.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentEndpoint = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var silentGotBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new ConcurrentBag<TcpClient>();
        _ = Task.Run(async () =>
        {
            var peer = await silent.AcceptTcpClientAsync();
            held.Add(peer);
            var buffer = new byte[4096];
            while (await peer.GetStream().ReadAsync(buffer) > 0) silentGotBytes.TrySetResult();
        });
        var handler = new FakeHandler();
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = silentEndpoint;
        var options = TestServers.FastOptions(server.Endpoint()) with
        {
            KeepAliveInterval = TimeSpan.FromMilliseconds(50),
            DeadConnectionTimeout = TimeSpan.FromMilliseconds(300),
        };
        await using var client = new LockstepClient(options);
        var session = client.OpenSession("vm1");

        var call = session.ExecuteAsync(Bytes("hi"));
        await silentGotBytes.Task;
        handler.Primary = server.Endpoint();
        var stopwatch = Stopwatch.StartNew();

        Assert.Equal("hi", Encoding.UTF8.GetString(await call));
        // RequestTimeout is 10 s: finishing this early means the silence was noticed, not waited out.
        Assert.InRange(stopwatch.ElapsedMilliseconds, 0, 3000);
        Assert.NotEmpty(handler.Requests);
        Assert.All(handler.Requests, r => Assert.Equal(1, r.RequestNo));
        foreach (var peer in held) peer.Dispose();
    }

    [Theory]
    [InlineData(Status.BadRequest)]
    [InlineData(Status.TooLarge)]
    [InlineData(Status.StaleRequest)]
    [InlineData(Status.UnknownVm)]
    public async Task Definitive_errors_are_thrown_at_once_without_retrying(Status status)
    {
        var handler = new FakeHandler();
        handler.OnRequest = (request, _, _) => Task.FromResult(FakeHandler.Fail(request, status, "nope"));
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        var error = await Assert.ThrowsAsync<LockstepException>(() => session.ExecuteAsync([1]));

        Assert.Equal(status, error.Status);
        Assert.Contains("nope", error.Message);
        Assert.Equal(1, handler.Calls);
        Assert.Equal(0, session.Retries);
    }

    [Fact]
    public async Task An_unknown_vm_in_a_locate_answer_is_thrown_at_once()
    {
        var handler = new FakeHandler { Primary = null };
        await using var server = await TestServers.StartAsync(handler);
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));

        var error = await Assert.ThrowsAsync<LockstepException>(() => client.OpenSession("ghost").ExecuteAsync([1]));

        Assert.Equal(Status.UnknownVm, error.Status);
        Assert.Single(handler.Locates);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task An_oversized_command_is_refused_by_the_client_before_sending()
    {
        var handler = new FakeHandler();
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var session = client.OpenSession("vm1");

        var error = await Assert.ThrowsAsync<LockstepException>(() => session.ExecuteAsync(new byte[FrameLimits.MaxCommandBytes + 1]));

        Assert.Equal(Status.TooLarge, error.Status);
        Assert.Equal(0, session.LastRequestNumber);
        Assert.Equal(0, client.Statistics.Connects);
    }

    [Fact]
    public async Task The_request_timeout_bounds_the_whole_call_including_retries()
    {
        var handler = new FakeHandler();
        handler.OnRequest = (request, _, _) => Task.FromResult(FakeHandler.Fail(request, Status.Unavailable, "fenced"));
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        var options = TestServers.FastOptions(server.Endpoint()) with { RequestTimeout = TimeSpan.FromMilliseconds(400) };
        await using var client = new LockstepClient(options);
        var session = client.OpenSession("vm1");
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => session.ExecuteAsync([1]));

        Assert.InRange(stopwatch.ElapsedMilliseconds, 350, 2000);
        Assert.Contains("fenced", error.Message);
        Assert.True(handler.Calls > 2);
        Assert.All(handler.Requests, r => Assert.Equal(1, r.RequestNo));
        Assert.Equal(1, client.Statistics.Timeouts);
    }

    [Fact]
    public async Task A_request_that_is_never_answered_times_out_and_the_session_moves_on()
    {
        var handler = new FakeHandler();
        handler.OnRequest = async (request, call, token) =>
        {
            if (call == 1) await Task.Delay(Timeout.Infinite, token);
            return FakeHandler.Ok(request, []);
        };
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        var options = TestServers.FastOptions(server.Endpoint()) with { RequestTimeout = TimeSpan.FromSeconds(1) };
        await using var client = new LockstepClient(options);
        var session = client.OpenSession("vm1");

        await Assert.ThrowsAsync<TimeoutException>(() => session.ExecuteAsync([1]));
        await session.ExecuteAsync([2]);

        Assert.Equal([1L, 2L], handler.Requests.Select(r => r.RequestNo));
    }

    [Fact]
    public async Task Caller_cancellation_is_reported_as_cancellation_not_timeout()
    {
        var handler = new FakeHandler();
        handler.OnRequest = async (request, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return FakeHandler.Ok(request, []);
        };
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        using var cancel = new CancellationTokenSource(100);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.OpenSession("vm1").ExecuteAsync([1], cancel.Token));

        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [Fact]
    public async Task Unreachable_endpoints_are_skipped_when_locating()
    {
        var handler = new FakeHandler();
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var deadEndpoint = $"127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}";
        closed.Stop();
        await using var client = new LockstepClient(TestServers.FastOptions(deadEndpoint, server.Endpoint()));

        Assert.Equal(server.Endpoint(), await client.LocateAsync("vm1"));
        await client.OpenSession("vm1").ExecuteAsync([1]);

        Assert.True(client.Statistics.ConnectionFailures <= 1);
    }

    [Fact]
    public async Task Disposing_the_client_fails_calls_in_flight_and_refuses_new_sessions()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHandler();
        handler.OnRequest = async (request, _, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return FakeHandler.Ok(request, []);
        };
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var call = client.OpenSession("vm1").ExecuteAsync([1]);
        await started.Task;

        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => call);
        Assert.Throws<ObjectDisposedException>(() => client.OpenSession("vm1"));
    }

    [Fact]
    public async Task Kv_session_maps_get_put_delete_and_compare_and_set()
    {
        var handler = new ExactlyOnceGuestHandler(new KvGuest());
        await using var server = await TestServers.StartAsync(handler);
        handler.Primary = server.Endpoint();
        await using var client = new LockstepClient(TestServers.FastOptions(server.Endpoint()));
        var kv = client.OpenKvSession("vm1");

        Assert.Null(await kv.GetAsync("k"));
        Assert.True(await kv.CompareAndSetAsync("k", null, Bytes("a")));
        Assert.False(await kv.CompareAndSetAsync("k", null, Bytes("b")));
        Assert.False(await kv.CompareAndSetAsync("k", Bytes("x"), Bytes("b")));
        Assert.True(await kv.CompareAndSetAsync("k", Bytes("a"), Bytes("b")));
        Assert.Equal(Bytes("b"), await kv.GetAsync("k"));
        await kv.PutAsync("empty", []);
        Assert.Equal(Array.Empty<byte>(), await kv.GetAsync("empty"));
        Assert.True(await kv.DeleteAsync("k"));
        Assert.False(await kv.DeleteAsync("k"));
        Assert.Null(await kv.GetAsync("k"));

        var error = await Assert.ThrowsAsync<LockstepException>(() => kv.PutAsync(new string('k', 2000), [1]));
        Assert.Equal(Status.BadRequest, error.Status);
        Assert.Contains("key longer than", error.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
