using AkkaLockstep.Client;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Host.ClientEndpoint;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

public sealed class SqlSessionTests
{
    [Fact]
    public async Task Statements_wait_out_another_sessions_transaction_and_close_rolls_back()
    {
        await using var sql = await SqlServer.StartAsync();
        var client = sql.Client;
        var alice = client.OpenSqlSession("vm1");
        var bob = client.OpenSqlSession("vm1", new SqlSessionOptions { BusyRetryMaxDelay = TimeSpan.FromMilliseconds(20) });

        (await alice.ExecuteAsync("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")).EnsureSuccess();
        (await alice.ExecuteAsync("BEGIN")).EnsureSuccess();
        Assert.Equal(SqlTransactionState.InTransaction, alice.TransactionState);
        var insert = await alice.ExecuteAsync("INSERT INTO t VALUES ($1, $2)", [1L, "one"]);
        Assert.Equal("INSERT 0 1", insert.EnsureSuccess().CommandTag);

        // Bob's read waits until Alice commits, then sees her row.
        var bobRead = bob.ExecuteAsync("SELECT v FROM t");
        await TestServers.EventuallyAsync(() => bob.BusyRetries > 2, "bob retrying a busy statement");
        Assert.False(bobRead.IsCompleted);
        (await alice.ExecuteAsync("COMMIT")).EnsureSuccess();
        var read = (await bobRead).EnsureSuccess();
        Assert.Equal("one", Assert.Single(read.Rows)[0].AsText);

        // Closing a session rolls its transaction back.
        (await bob.ExecuteAsync("BEGIN")).EnsureSuccess();
        (await bob.ExecuteAsync("DELETE FROM t")).EnsureSuccess();
        await bob.CloseAsync();
        var count = (await alice.ExecuteAsync("SELECT count(*) FROM t")).EnsureSuccess();
        Assert.Equal(1, count.Rows[0][0].AsInteger);

        var error = await alice.ExecuteAsync("SELECT * FROM missing");
        Assert.Equal((SqlStatus.Error, SqlStates.UndefinedTable), (error.Status, error.ErrorCode));
        Assert.Equal(SqlStates.UndefinedTable, Assert.Throws<SqlErrorException>(() => error.EnsureSuccess()).SqlState);
    }

    [Fact]
    public async Task A_statement_busy_for_longer_than_the_busy_timeout_fails_with_a_timeout()
    {
        await using var sql = await SqlServer.StartAsync();
        var client = sql.Client;
        var holder = client.OpenSqlSession("vm1");
        // The waiter's first statement runs before the transaction, so the timed one does not pay for the first round
        // trip's start-up: on a loaded CI machine that alone outlasted a 1 s timeout and the session gave up without a
        // retry. The timeout is still long enough for several round trips.
        var waiter = client.OpenSqlSession("vm1", new SqlSessionOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
        (await waiter.ExecuteAsync("SELECT 1")).EnsureSuccess();
        (await holder.ExecuteAsync("BEGIN")).EnsureSuccess();
        await Assert.ThrowsAsync<SqlBusyTimeoutException>(() => waiter.ExecuteAsync("SELECT 1"));
        Assert.True(waiter.BusyRetries > 0);
    }

    [Fact]
    public async Task A_waiting_session_retries_as_soon_as_a_session_of_the_same_client_ends_its_transaction()
    {
        await using var sql = await SqlServer.StartAsync();
        var client = sql.Client;
        var holder = client.OpenSqlSession("vm1");
        // A backoff this long would hold the waiter for at least 30 s after its first Busy answer: only the release wakes it.
        var slow = TimeSpan.FromSeconds(60);
        var waiter = client.OpenSqlSession("vm1", new SqlSessionOptions { BusyRetryInitialDelay = slow, BusyRetryMaxDelay = slow, BusyTimeout = TimeSpan.FromMinutes(5) });
        (await holder.ExecuteAsync("CREATE TABLE t(v INTEGER)")).EnsureSuccess();
        (await holder.ExecuteAsync("BEGIN")).EnsureSuccess();
        (await holder.ExecuteAsync("INSERT INTO t VALUES (1)")).EnsureSuccess();

        var read = waiter.ExecuteAsync("SELECT count(*) FROM t");
        await TestServers.EventuallyAsync(() => waiter.BusyRetries == 1, "the waiter answered Busy once");
        (await holder.ExecuteAsync("COMMIT")).EnsureSuccess();

        var done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(done == read, "the waiter slept out its backoff instead of retrying when the transaction ended");
        Assert.Equal(1, (await read).EnsureSuccess().Rows[0][0].AsInteger);
        Assert.Equal(1, waiter.BusyRetries);
    }

    /// <summary>A sql guest behind a client endpoint that answers as primary, and a client of it.</summary>
    private sealed class SqlServer(SqlGuest guest, ClientEndpointServer server, LockstepClient client) : IAsyncDisposable
    {
        public LockstepClient Client { get; } = client;

        public static async Task<SqlServer> StartAsync()
        {
            var guest = new SqlGuest();
            var handler = new ExactlyOnceGuestHandler(guest);
            var server = await TestServers.StartAsync(handler);
            handler.Primary = server.Endpoint();
            return new SqlServer(guest, server, new LockstepClient(TestServers.FastOptions(server.Endpoint())));
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await server.DisposeAsync();
            guest.Dispose();
        }
    }
}
