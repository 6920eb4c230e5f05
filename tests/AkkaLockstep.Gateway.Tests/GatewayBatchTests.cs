using AkkaLockstep.Gateway.Tests.Support;
using AkkaLockstep.PgWire.Tests.Support;
using AkkaLockstep.Guests.Sql;
using Npgsql;

namespace AkkaLockstep.Gateway.Tests;

/// <summary>
/// A Query message holding several statements (psql -c, pgbench with \;) reaches the sql guest as one Script input:
/// one request, one replicated round trip, and the database held only while it runs.
/// </summary>
public sealed class GatewayBatchTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        Assert.True(ExternalClient.Installed("psql"), "psql is not installed (apt-get install postgresql-client)");
        _gateway = await TestGateway.StartAsync("db");
        await using var connection = await _gateway.OpenAsync("db");
        await using var create = new NpgsqlCommand("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)", connection);
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private Task<ExternalClient.Outcome> PsqlAsync(string command) =>
        ExternalClient.RunAsync("psql", _gateway.Gateway.LocalEndPoint.Port, TestGateway.User, TestGateway.Password, ["-d", "db", "-X", "-A", "-t", "-c", command]);

    private List<SqlCommand> Scripts() => _gateway.Cluster.Applied.Where(a => a.Command.Kind == SqlCommandKind.Script).Select(a => a.Command).ToList();

    [Fact]
    public async Task A_transaction_sent_whole_is_one_script_input_and_each_statement_runs_once()
    {
        var (exit, stdout, stderr) = await PsqlAsync("BEGIN; INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); SELECT count(*) FROM t; COMMIT");

        Assert.True(exit == 0, stderr);
        Assert.Contains("2", stdout.Split('\n'));
        var script = Assert.Single(Scripts());
        Assert.Equal(["BEGIN", "INSERT INTO t VALUES (1, 'a')", "INSERT INTO t VALUES (2, 'b')", "SELECT count(*) FROM t", "COMMIT"],
            script.Statements.Select(s => s.Sql));
        Assert.Equal(1, _gateway.Cluster.Executions("INSERT INTO t VALUES (1"));
        await using var connection = await _gateway.OpenAsync("db");
        await using var count = new NpgsqlCommand("SELECT count(*) FROM t", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_failing_statement_stops_the_script_and_its_transaction_changes_nothing()
    {
        await PsqlAsync("INSERT INTO t VALUES (1, 'a')");
        var (exit, _, stderr) = await PsqlAsync("BEGIN; INSERT INTO t VALUES (5, 'x'); INSERT INTO t VALUES (1, 'duplicate'); INSERT INTO t VALUES (6, 'y'); COMMIT");

        Assert.NotEqual(0, exit);
        Assert.Contains("UNIQUE constraint failed", stderr);
        await using var connection = await _gateway.OpenAsync("db");
        await using var rows = new NpgsqlCommand("SELECT group_concat(id) FROM t", connection);
        Assert.Equal("1", await rows.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Hosts_older_than_scripts_get_the_statements_one_at_a_time_and_each_still_runs_once()
    {
        _gateway.Cluster.RefuseScripts = true;
        var (exit, stdout, stderr) = await PsqlAsync("BEGIN; INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); SELECT count(*) FROM t; COMMIT");

        Assert.True(exit == 0, stderr);
        Assert.Contains("2", stdout.Split('\n'));
        // The refused script ran nothing; then each statement went alone (after the table's CREATE) and ran once.
        Assert.Equal(1, _gateway.Cluster.Count(SqlCommandKind.Script));
        var alone = _gateway.Cluster.Applied.Where(a => a.Command.Kind == SqlCommandKind.Execute).Select(a => a.Command.Sql).Skip(1).ToList();
        Assert.Equal(["BEGIN", "INSERT INTO t VALUES (1, 'a')", "INSERT INTO t VALUES (2, 'b')", "SELECT count(*) FROM t", "COMMIT"], alone);
        // A new connection asks again (the hosts may have been upgraded meanwhile); one session asks once.
        Assert.True((await PsqlAsync("SELECT 1; SELECT 2")).ExitCode == 0);
        Assert.Equal(2, _gateway.Cluster.Count(SqlCommandKind.Script));
    }
}
