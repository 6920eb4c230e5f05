using AkkaLockstep.PgWire.Tests.Support;
using Npgsql;
using NpgsqlTypes;

namespace AkkaLockstep.PgWire.Tests.Clients;

/// <summary>Npgsql 10 with plain connection strings against the gateway over TCP, backed by <see cref="SqliteTestBackend"/>.</summary>
public sealed class NpgsqlTests : IAsyncLifetime
{
    TestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = TestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Creates_inserts_with_parameters_and_reads_every_storage_class_back()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note TEXT)");

        await using (var insert = new NpgsqlCommand("INSERT INTO items (id, name, score, data, note) VALUES (@id, @name, @score, @data, @note)", connection))
        {
            insert.Parameters.AddWithValue("id", 1);
            insert.Parameters.AddWithValue("name", "first ünïcode");
            insert.Parameters.AddWithValue("score", 2.5);
            insert.Parameters.AddWithValue("data", new byte[] { 0, 1, 254, 255 });
            insert.Parameters.AddWithValue("note", NpgsqlDbType.Text, DBNull.Value);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using var select = new NpgsqlCommand("SELECT id, name, score, data, note FROM items WHERE id = $1", connection);
        select.Parameters.Add(new NpgsqlParameter { Value = 1L });
        await using var reader = await select.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(0));
        Assert.Equal("first ünïcode", reader.GetString(1));
        Assert.Equal(2.5, reader.GetDouble(2));
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, reader.GetFieldValue<byte[]>(3));
        Assert.True(reader.IsDBNull(4));
        Assert.Equal("bigint", reader.GetDataTypeName(0));
        Assert.Equal("bytea", reader.GetDataTypeName(3));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Rows_affected_and_scalars_come_from_command_tags_and_values()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
        await ExecuteAsync(connection, "INSERT INTO counters VALUES (1, 0), (2, 0), (3, 5)");

        Assert.Equal(2, await ExecuteAsync(connection, "UPDATE counters SET n = n + 1 WHERE n = 0"));
        Assert.Equal(3L, await ScalarAsync(connection, "SELECT count(*) FROM counters"));
        Assert.Equal(7L, await ScalarAsync(connection, "SELECT sum(n) FROM counters"));
        Assert.Equal(1, await ExecuteAsync(connection, "DELETE FROM counters WHERE id = 3"));
    }

    [Fact]
    public async Task Parameters_of_common_clr_types_reach_sqlite_as_storage_classes()
    {
        await using var connection = await _server.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT typeof($1), $1, typeof($2), typeof($3), $3, typeof($4), $5, $6, $7, $8, $9", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (short)-7 });
        command.Parameters.Add(new NpgsqlParameter { Value = 1.5f });
        command.Parameters.Add(new NpgsqlParameter { Value = true });
        command.Parameters.Add(new NpgsqlParameter { Value = new byte[] { 1 } });
        command.Parameters.Add(new NpgsqlParameter { Value = 12.50m });
        command.Parameters.Add(new NpgsqlParameter { Value = new Guid("12345678-9abc-def0-1122-334455667788") });
        command.Parameters.Add(new NpgsqlParameter { Value = new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc) });
        command.Parameters.Add(new NpgsqlParameter { Value = new DateOnly(2024, 3, 1) });
        command.Parameters.Add(new NpgsqlParameter { Value = "text" });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(("integer", -7L), (reader.GetString(0), reader.GetInt64(1)));
        Assert.Equal("real", reader.GetString(2));
        Assert.Equal(("integer", 1L), (reader.GetString(3), reader.GetInt64(4)));
        Assert.Equal("blob", reader.GetString(5));
        Assert.Equal("12.50", reader.GetString(6));
        Assert.Equal("12345678-9abc-def0-1122-334455667788", reader.GetString(7));
        Assert.Equal("2024-02-29 13:14:15+00:00", reader.GetString(8));
        Assert.Equal("2024-03-01", reader.GetString(9));
        Assert.Equal("text", reader.GetString(10));
    }

    [Fact]
    public async Task Transactions_commit_and_roll_back()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE log (entry TEXT)");

        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO log VALUES ('discarded')");
            Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM log"));
            await rolledBack.RollbackAsync();
        }

        await using (var committed = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO log VALUES ('kept')");
            await committed.CommitAsync();
        }

        Assert.Equal("kept", await ScalarAsync(connection, "SELECT group_concat(entry) FROM log"));
    }

    [Fact]
    public async Task Sql_errors_surface_as_postgres_exceptions_with_sqlstates()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE u (k TEXT PRIMARY KEY)");
        await ExecuteAsync(connection, "INSERT INTO u VALUES ('a')");

        Assert.Equal("42P01", (await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT * FROM missing"))).SqlState);
        Assert.Equal("23505", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "INSERT INTO u VALUES ('a')"))).SqlState);
        Assert.Equal("42601", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELEC 1"))).SqlState);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM u"));
    }

    [Fact]
    public async Task An_error_inside_a_transaction_aborts_it_until_rollback()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (a INTEGER)");
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "INSERT INTO t VALUES (1)");

        await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT * FROM missing"));
        var aborted = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT 1"));
        await transaction.RollbackAsync();

        Assert.Equal("25P02", aborted.SqlState);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task Prepared_statements_are_reused_with_new_parameters()
    {
        await using var connection = await _server.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)");
        await using var insert = new NpgsqlCommand("INSERT INTO kv VALUES (@k, @v)", connection);
        insert.Parameters.Add(new NpgsqlParameter<long>("k", 0L));
        insert.Parameters.Add(new NpgsqlParameter<string>("v", ""));
        await insert.PrepareAsync();
        await using var select = new NpgsqlCommand("SELECT k, v FROM kv WHERE k = @k", connection);
        select.Parameters.Add(new NpgsqlParameter<long>("k", 0L));
        await select.PrepareAsync();

        for (var i = 1; i <= 5; i++)
        {
            insert.Parameters[0].Value = (long)i;
            insert.Parameters[1].Value = "v" + i;
            await insert.ExecuteNonQueryAsync();
        }

        select.Parameters[0].Value = 4L;
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((4L, "v4"), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public async Task Batches_return_several_result_sets()
    {
        await using var connection = await _server.OpenAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new NpgsqlBatchCommand("SELECT 1"), new NpgsqlBatchCommand("SELECT 'two', 2.0") },
        };
        await using var reader = await batch.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("two", 2.0), (reader.GetString(0), reader.GetDouble(1)));
    }

    [Fact]
    public async Task Notices_from_the_backend_reach_the_client()
    {
        await using var connection = await _server.OpenAsync();
        var notices = new List<PostgresNotice>();
        connection.Notice += (_, e) => notices.Add(e.Notice);

        await ExecuteAsync(connection, "COMMIT");

        Assert.Equal("25P01", Assert.Single(notices).SqlState);
    }

    [Fact]
    public async Task Pooled_connections_are_reset_and_reused()
    {
        var connectionString = _server.ConnectionString(extra: ";Application Name=pooled").Replace("Pooling=false", "Pooling=true");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal("pooled", await ScalarAsync(connection, "SHOW application_name"));
            await ExecuteAsync(connection, "SET application_name = 'changed'");
            Assert.Equal("UTC", await ScalarAsync(connection, "SELECT current_setting('TimeZone')"));
        }

        Assert.Equal(1, _server.Server.Gateway.ActiveConnections);
    }

    [Fact]
    public async Task Connections_without_type_loading_work_too()
    {
        await using var connection = await OpenAsync(_server.ConnectionString(extra: ";Server Compatibility Mode=NoTypeLoading"));

        Assert.Equal(5L, await ScalarAsync(connection, "SELECT 2 + 3"));
        Assert.Equal("15.0 (AkkaLockstep)", connection.ServerVersion);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_fail_with_28P01()
    {
        var wrongPassword = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(_server.ConnectionString(password: "wrong")));
        var unknownUser = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(_server.ConnectionString(user: "mallory")));

        Assert.Equal("28P01", wrongPassword.SqlState);
        Assert.Equal("28P01", unknownUser.SqlState);
        Assert.Equal("password authentication failed for user \"mallory\"", unknownUser.MessageText);
    }

    [Fact]
    public async Task An_unknown_database_fails_with_3D000()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(_server.ConnectionString(database: "nope")));

        Assert.Equal("3D000", error.SqlState);
    }

    [Fact]
    public async Task Ssl_prefer_falls_back_to_plain_text_and_ssl_require_fails_cleanly()
    {
        await using (var preferred = await OpenAsync(_server.ConnectionString(extra: ";SSL Mode=Prefer")))
            Assert.Equal(1L, await ScalarAsync(preferred, "SELECT 1"));

        var required = await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(_server.ConnectionString(extra: ";SSL Mode=Require")));

        Assert.IsNotType<PostgresException>(required);
        await using var after = await _server.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(after, "SELECT 1"));
    }

    [Fact]
    public async Task Cancel_stops_a_running_statement_with_57014_and_the_connection_stays_usable()
    {
        await using var connection = await _server.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);

        var running = sleep.ExecuteScalarAsync();
        Assert.True(await _server.Backend.SleepStarted.WaitAsync(TimeSpan.FromSeconds(10)));
        sleep.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Cancelling_with_a_token_works_the_same_way()
    {
        await using var connection = await _server.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource();

        var running = sleep.ExecuteScalarAsync(cancellation.Token);
        Assert.True(await _server.Backend.SleepStarted.WaitAsync(TimeSpan.FromSeconds(10)));
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Disconnecting_in_a_transaction_rolls_it_back_and_frees_the_database()
    {
        await using (var setup = await _server.OpenAsync())
            await ExecuteAsync(setup, "CREATE TABLE d (a INTEGER)");
        await using (var abandoned = await _server.OpenAsync())
        {
            await using var transaction = await abandoned.BeginTransactionAsync();
            await ExecuteAsync(abandoned, "INSERT INTO d VALUES (1)");
        }

        await using var other = await _server.OpenAsync();
        Assert.Equal(0L, await ScalarAsync(other, "SELECT count(*) FROM d"));
        await WaitUntilAsync(() => _server.Backend.OpenSessions == 1);
    }

    [Fact]
    public async Task A_message_over_the_configured_maximum_ends_only_that_connection()
    {
        await using var small = TestServer.Start(o => new PgGatewayOptions { EndPoint = o.EndPoint, Users = o.Users, MaxMessageLength = 64 * 1024 });
        await using var bystander = await small.OpenAsync();
        await using var connection = await small.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT length($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = new string('x', 100_000) });

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());

        Assert.Equal("54000", Assert.IsType<PostgresException>(error is PostgresException ? error : error.InnerException).SqlState);
        Assert.Equal(1L, await ScalarAsync(bystander, "SELECT 1"));
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_refused_with_53300()
    {
        await using var tiny = TestServer.Start(o => new PgGatewayOptions { EndPoint = o.EndPoint, Users = o.Users, MaxConnections = 1 });
        await using var first = await tiny.OpenAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(tiny.ConnectionString()));

        Assert.Equal("53300", error.SqlState);
        Assert.Equal(1L, await ScalarAsync(first, "SELECT 1"));
    }

    static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    internal static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        Assert.True(condition());
    }
}
