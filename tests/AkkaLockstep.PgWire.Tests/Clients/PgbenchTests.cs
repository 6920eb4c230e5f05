using AkkaLockstep.PgWire.Tests.Support;

namespace AkkaLockstep.PgWire.Tests.Clients;

/// <summary>pgbench with a custom script, two clients, in each query mode (simple, extended, prepared).</summary>
public sealed class PgbenchTests : IAsyncLifetime
{
    const int Clients = 2;
    const int Transactions = 50;

    TestServer _server = null!;

    public async Task InitializeAsync()
    {
        Assert.True(ExternalClient.Installed("pgbench"), "pgbench is not installed (apt-get install postgresql-client)");
        _server = TestServer.Start();
        await using var connection = await _server.OpenAsync("bench");
        await NpgsqlTests.ExecuteAsync(connection, "CREATE TABLE counters (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL, note TEXT)");
        await NpgsqlTests.ExecuteAsync(connection, "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 10) INSERT INTO counters SELECT v, 0, NULL FROM s");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    [InlineData("prepared")]
    public async Task A_custom_script_runs_every_transaction(string mode)
    {
        var script = Path.Combine(Path.GetTempPath(), $"pgwire-bench-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, """
            \set id random(1, 10)
            BEGIN;
            UPDATE counters SET hits = hits + 1, note = 'client ' || :client_id WHERE id = :id;
            SELECT hits FROM counters WHERE id = :id;
            END;
            """);
        try
        {
            var outcome = await ExternalClient.RunAsync(
                "pgbench", _server.Port, TestServer.User, TestServer.Password, ["-n", "-M", mode, "-f", script, "-t", Transactions.ToString(), "-c", Clients.ToString(), "bench"]);

            Assert.True(outcome.ExitCode == 0, outcome.Stdout + outcome.Stderr);
            Assert.Contains($"number of transactions actually processed: {Clients * Transactions}/{Clients * Transactions}", outcome.Stdout);
            await using var connection = await _server.OpenAsync("bench");
            Assert.Equal((long)(Clients * Transactions), await NpgsqlTests.ScalarAsync(connection, "SELECT sum(hits) FROM counters"));
        }
        finally
        {
            File.Delete(script);
        }
    }
}
