using AkkaLockstep.Gateway.Tests.Support;
using AkkaLockstep.Guests.Sql;
using Npgsql;
using NpgsqlTypes;

namespace AkkaLockstep.Gateway.Tests;

/// <summary>
/// Npgsql through a <see cref="LockstepGateway"/> to sql guests behind the real client endpoint and the exactly-once
/// session table. The stand-in cluster counts what the guests applied, so a statement run twice shows.
/// </summary>
public sealed class GatewayNpgsqlTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync("db", "other");
        await using var connection = await _gateway.OpenAsync("db");
        await ExecuteAsync(connection, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_prepared_insert_runs_once_per_execution_and_describing_it_runs_nothing()
    {
        await using var connection = await _gateway.OpenAsync("db");
        await using var insert = new NpgsqlCommand("INSERT INTO t(id, v) VALUES ($1, $2)", connection);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text });
        await insert.PrepareAsync();
        Assert.Equal(0, _gateway.Cluster.Executions("INSERT INTO t"));
        Assert.True(_gateway.Cluster.Count(SqlCommandKind.Describe) >= 1);

        for (var i = 1; i <= 20; i++)
        {
            insert.Parameters[0].Value = (long)i;
            insert.Parameters[1].Value = $"v{i}";
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        Assert.Equal(20, _gateway.Cluster.Executions("INSERT INTO t"));
        Assert.Equal(20L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Unprepared_extended_statements_run_once_although_describing_a_portal_executes_it()
    {
        await using var connection = await _gateway.OpenAsync("db");
        for (var i = 1; i <= 10; i++)
        {
            // Npgsql sends Parse, Bind, Describe (portal), Execute: PgWire runs the statement at Describe and hands the
            // same result to Execute.
            await using var insert = new NpgsqlCommand("INSERT INTO t(id, v) VALUES ($1, $2) RETURNING id", connection);
            insert.Parameters.AddWithValue((long)i);
            insert.Parameters.AddWithValue($"v{i}");
            Assert.Equal((long)i, await insert.ExecuteScalarAsync());
        }

        Assert.Equal(10, _gateway.Cluster.Executions("INSERT INTO t"));
        Assert.Equal(10L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Statements_whose_answers_are_lost_after_they_ran_are_retried_without_running_again()
    {
        _gateway.Cluster.LoseEveryNthAnswer = 3;
        await using var connection = await _gateway.OpenAsync("db");
        await using var prepared = new NpgsqlCommand("INSERT INTO t(id, v) VALUES ($1, 'p')", connection);
        prepared.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
        await prepared.PrepareAsync();
        for (var i = 1; i <= 15; i++)
        {
            prepared.Parameters[0].Value = (long)i;
            await prepared.ExecuteNonQueryAsync();
            await using var plain = new NpgsqlCommand("INSERT INTO t(id, v) VALUES ($1, 'u')", connection);
            plain.Parameters.AddWithValue((long)(100 + i));
            await plain.ExecuteNonQueryAsync();
        }

        Assert.True(_gateway.Cluster.LostAnswers >= 10, $"{_gateway.Cluster.LostAnswers} answers lost");
        Assert.Equal(30, _gateway.Cluster.Executions("INSERT INTO t"));
        Assert.Equal(30L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task A_prepared_query_is_described_with_declared_types_and_reads_back_typed()
    {
        await using var connection = await _gateway.OpenAsync("db");
        await ExecuteAsync(connection, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
        await using var select = new NpgsqlCommand("SELECT id, v FROM t WHERE id >= $1 ORDER BY id", connection);
        select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 1L });
        await select.PrepareAsync();
        await using var reader = await select.ExecuteReaderAsync();
        Assert.Equal(("bigint", "text"), (reader.GetDataTypeName(0), reader.GetDataTypeName(1)));
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        Assert.Equal([(1L, "one"), (2L, "two")], rows);
    }

    [Fact]
    public async Task Transactions_commit_roll_back_and_fail_like_postgresql()
    {
        await using var connection = await _gateway.OpenAsync("db");
        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO t VALUES (1, 'gone')");
            await rolledBack.RollbackAsync();
        }
        await using (var committed = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO t VALUES (2, 'kept')");
            await committed.CommitAsync();
        }
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT sum(id) FROM t"));

        await using var failing = await connection.BeginTransactionAsync();
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "INSERT INTO t VALUES (2, 'again')"));
        Assert.Equal("23505", duplicate.SqlState);
        var aborted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT 1"));
        Assert.Equal("25P02", aborted.SqlState);
        await failing.RollbackAsync();
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Begin_goes_to_the_guest_with_the_first_statement_and_a_transaction_that_ran_nothing_sends_nothing()
    {
        await using var connection = await _gateway.OpenAsync("db");
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO t VALUES (7, 'in a transaction')");
            await ExecuteAsync(connection, "INSERT INTO t VALUES (8, 'second')");
            await transaction.CommitAsync();
        }
        var script = Assert.Single(_gateway.Cluster.Applied, a => a.Command.Kind == SqlCommandKind.Script).Command;
        Assert.Equal(["BEGIN", "INSERT INTO t VALUES (7, 'in a transaction')"], script.Statements.Select(c => c.Sql));
        Assert.DoesNotContain(_gateway.Cluster.Applied, a => a.Command is { Kind: SqlCommandKind.Execute, Sql: "BEGIN" });
        Assert.Equal(1, _gateway.Cluster.Executions("(8, 'second')"));

        var before = _gateway.Cluster.Applied.Count;
        await using (var empty = await connection.BeginTransactionAsync()) await empty.CommitAsync();
        await using (var empty = await connection.BeginTransactionAsync()) await empty.RollbackAsync();
        Assert.Equal(before, _gateway.Cluster.Applied.Count);
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Dropping_a_connection_mid_transaction_closes_its_session_and_rolls_back()
    {
        var closesBefore = _gateway.Cluster.Count(SqlCommandKind.Close);
        var connection = await _gateway.OpenAsync("db");
        await ExecuteAsync(connection, "BEGIN");
        await ExecuteAsync(connection, "INSERT INTO t VALUES (9, 'uncommitted')");
        await connection.DisposeAsync();

        // Another session would get Busy (and wait) while the transaction stayed open; it gets the rolled-back table.
        await using var other = await _gateway.OpenAsync("db");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM t", other);
        Assert.Equal(0L, await count.ExecuteScalarAsync(timeout.Token));
        // At least the dropped connection's Close (a pooled connection of an earlier test may close meanwhile too).
        Assert.True(_gateway.Cluster.Count(SqlCommandKind.Close) > closesBefore, "the dropped connection sent no Close");
    }

    [Fact]
    public async Task Unknown_databases_non_sql_vms_and_wrong_passwords_are_refused_at_connect()
    {
        var unknown = await Assert.ThrowsAsync<PostgresException>(() => _gateway.OpenAsync("nosuch"));
        Assert.Equal("3D000", unknown.SqlState);
        Assert.Contains("no protected VM", unknown.MessageText);

        var kv = await Assert.ThrowsAsync<PostgresException>(() => _gateway.OpenAsync(FakeSqlCluster.KvVm));
        Assert.Equal("3D000", kv.SqlState);
        Assert.Contains("runs the kv guest", kv.MessageText);

        await using var wrong = new NpgsqlConnection(_gateway.ConnectionString("db", password: "wrong"));
        Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync())).SqlState);

        // Each database is its own VM.
        await using var other = await _gateway.OpenAsync("other");
        Assert.Equal("42P01", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(other, "SELECT * FROM t"))).SqlState);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
