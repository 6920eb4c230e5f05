using AkkaLockstep.Integration.Tests.Harness;
using Npgsql;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>One local cluster (`up`) with the sql VM `db` (`vm protect --kind sql`) and the kv VM `kvstore`, shared by the tests.</summary>
public sealed class SqlGatewayClusterFixture : IAsyncLifetime
{
    public SqlCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await SqlCluster.UpAsync();
        await Cluster.ProtectSqlAsync("db");
        var (exit, output, error) = await Cluster.Cli.RunAsync("vm", "protect", "kvstore", "--kind", "kv");
        Assert.True(exit == 0, error + output);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Real PostgreSQL clients (Npgsql, psql, pgbench) through the gateways inside the hosts of a real local cluster to
/// the replicated sql VM `db`; afterwards both replicas must be identical.
/// </summary>
public sealed class SqlGatewayTests(SqlGatewayClusterFixture fixture) : IClassFixture<SqlGatewayClusterFixture>
{
    private SqlCluster Cluster => fixture.Cluster;

    // h2 holds the secondary: its gateway's statements reach the primary on h1 through the client library.
    private int SecondaryPg => Cluster.Member("h2").PgPort;

    private int PrimaryPg => Cluster.Member("h1").PgPort;

    [Fact]
    public async Task Npgsql_creates_inserts_with_parameters_reads_back_and_commits_or_rolls_back()
    {
        await using var connection = await Cluster.OpenAsync(SecondaryPg, "db");
        await ExecuteAsync(connection, "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, photo BLOB)");
        for (var i = 1; i <= 5; i++)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO people(id, name, score, photo) VALUES ($1, $2, $3, $4)", connection);
            insert.Parameters.AddWithValue((long)i);
            insert.Parameters.AddWithValue($"person {i}");
            insert.Parameters.AddWithValue(i * 1.5);
            insert.Parameters.AddWithValue(new byte[] { (byte)i, 0xff });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using (var select = new NpgsqlCommand("SELECT id, name, score, photo FROM people WHERE id > $1 ORDER BY id", connection))
        {
            select.Parameters.AddWithValue(3L);
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<(long, string, double, string)>();
            while (await reader.ReadAsync())
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2), Convert.ToHexString((byte[])reader.GetValue(3))));
            Assert.Equal([(4L, "person 4", 6.0, "04FF"), (5L, "person 5", 7.5, "05FF")], rows);
        }

        await using (var rollback = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "DELETE FROM people");
            Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM people"));
            await rollback.RollbackAsync();
        }
        await using (var commit = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "UPDATE people SET score = score * 2 WHERE id = 1");
            await commit.CommitAsync();
        }

        // The other host's gateway sees the same database.
        await using var other = await Cluster.OpenAsync(PrimaryPg, "db");
        Assert.Equal(5L, await ScalarAsync(other, "SELECT count(*) FROM people"));
        Assert.Equal(3.0, await ScalarAsync(other, "SELECT score FROM people WHERE id = 1"));
        await Cluster.AssertReplicasIdenticalAsync("db");
    }

    [Fact]
    public async Task Sql_errors_arrive_as_postgres_exceptions_with_their_sqlstate()
    {
        await using var connection = await Cluster.OpenAsync(PrimaryPg, "db");
        await ExecuteAsync(connection, "CREATE TABLE uniq(id INTEGER PRIMARY KEY)");
        await ExecuteAsync(connection, "INSERT INTO uniq VALUES (1)");
        Assert.Equal("23505", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "INSERT INTO uniq VALUES (1)"))).SqlState);
        Assert.Equal("42P01", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT * FROM missing"))).SqlState);
        Assert.Equal("42601", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELEC 1"))).SqlState);
        // The connection goes on after an error.
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM uniq"));
    }

    [Fact]
    public async Task Unknown_databases_kv_vms_and_wrong_passwords_are_refused()
    {
        var unknown = await Assert.ThrowsAsync<PostgresException>(() => Cluster.OpenAsync(PrimaryPg, "nosuch"));
        Assert.Equal("3D000", unknown.SqlState);
        var kv = await Assert.ThrowsAsync<PostgresException>(() => Cluster.OpenAsync(PrimaryPg, "kvstore"));
        Assert.Equal("3D000", kv.SqlState);
        Assert.Contains("kv", kv.MessageText);
        await using var wrong = new NpgsqlConnection(Cluster.ConnectionString(PrimaryPg, "db", password: "not-the-password"));
        Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync())).SqlState);
    }

    [Fact]
    public async Task A_psql_script_runs_with_on_error_stop_and_a_failing_one_stops()
    {
        PgClientTools.AssertInstalled("psql");
        var script = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(script, """
                CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL, at TEXT DEFAULT CURRENT_TIMESTAMP);
                INSERT INTO notes(id, body) VALUES (1, 'first'), (2, 'second');
                BEGIN;
                INSERT INTO notes(id, body) VALUES (3, 'rolled back');
                ROLLBACK;
                BEGIN;
                UPDATE notes SET body = 'second, edited' WHERE id = 2;
                COMMIT;
                SELECT id || ':' || body AS line FROM notes ORDER BY id;
                """);
            var ok = await PgClientTools.RunAsync("psql", SecondaryPg, SqlCluster.User, SqlCluster.Password,
                ["-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-f", script, "db"]);
            Assert.True(ok.ExitCode == 0, ok.Stderr + ok.Stdout);
            Assert.Equal(["1:first", "2:second, edited"], ok.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.Contains(':')).ToArray());

            await File.WriteAllTextAsync(script, """
                INSERT INTO notes(id, body) VALUES (4, 'before the error');
                INSERT INTO notes(id, body) VALUES (1, 'duplicate');
                INSERT INTO notes(id, body) VALUES (5, 'never run');
                """);
            var failing = await PgClientTools.RunAsync("psql", SecondaryPg, SqlCluster.User, SqlCluster.Password,
                ["-v", "ON_ERROR_STOP=1", "-X", "-f", script, "db"]);
            Assert.Equal(3, failing.ExitCode);
            Assert.Contains("UNIQUE constraint failed", failing.Stderr);
            await using var connection = await Cluster.OpenAsync(PrimaryPg, "db");
            Assert.Equal("1,2,4", await ScalarAsync(connection, "SELECT group_concat(id, ',') FROM (SELECT id FROM notes ORDER BY id)"));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    [InlineData("prepared")]
    public async Task Pgbench_transactions_each_run_exactly_once(string mode)
    {
        PgClientTools.AssertInstalled("pgbench");
        const int clients = 2, transactions = 25;
        var table = $"bench_{mode}";
        await using var connection = await Cluster.OpenAsync(PrimaryPg, "db");
        await ExecuteAsync(connection, $"CREATE TABLE {table}(client INTEGER NOT NULL, n INTEGER NOT NULL)");
        await ExecuteAsync(connection, $"CREATE TABLE {table}_counter(id INTEGER PRIMARY KEY, hits INTEGER NOT NULL)");
        await ExecuteAsync(connection, $"INSERT INTO {table}_counter VALUES (1, 0)");
        // Each transaction appends the client's next number and bumps a counter: a transaction run twice would show
        // as a repeated or extra number and an extra hit, a lost one as a gap.
        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, $"""
            BEGIN;
            INSERT INTO {table}(client, n) SELECT :client_id, coalesce(max(n), 0) + 1 FROM {table} WHERE client = :client_id;
            UPDATE {table}_counter SET hits = hits + 1 WHERE id = 1;
            END;
            """);
        try
        {
            var outcome = await PgClientTools.RunAsync("pgbench", SecondaryPg, SqlCluster.User, SqlCluster.Password,
                ["-n", "-M", mode, "-f", script, "-t", transactions.ToString(), "-c", clients.ToString(), "db"], TimeSpan.FromMinutes(4));
            Assert.True(outcome.ExitCode == 0, outcome.Stdout + outcome.Stderr);
            Assert.Contains($"number of transactions actually processed: {clients * transactions}/{clients * transactions}", outcome.Stdout);
        }
        finally
        {
            File.Delete(script);
        }

        Assert.Equal((long)(clients * transactions), await ScalarAsync(connection, $"SELECT hits FROM {table}_counter"));
        await using var perClient = new NpgsqlCommand(
            $"SELECT client, count(*), count(DISTINCT n), min(n), max(n) FROM {table} GROUP BY client ORDER BY client", connection);
        await using var reader = await perClient.ExecuteReaderAsync();
        var rows = new List<(long, long, long, long, long)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        Assert.Equal(Enumerable.Range(0, clients).Select(c => ((long)c, (long)transactions, (long)transactions, 1L, (long)transactions)), rows);
    }

    [Fact]
    public async Task Vm_list_and_show_report_the_sql_vm_and_equal_digests()
    {
        var (exit, output, error) = await Cluster.Cli.RunAsync("vm", "list");
        Assert.True(exit == 0, error);
        Assert.Contains(output.Split('\n'), line => line.StartsWith("db ") && line.Contains(" sql "));
        // Equal digests once both replicas have digested the same input (digests are taken in the background, each
        // replica at its own pace, and say at which input).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var vm = await Cluster.ShowAsync("db");
            Assert.Equal("sql", vm.GetProperty("kind").GetString());
            var replicas = vm.GetProperty("replicas").EnumerateArray()
                .Select(r => (At: r.GetProperty("digestIndex").GetInt64(), Digest: r.GetProperty("digest").GetString())).ToList();
            Assert.Equal(2, replicas.Count);
            if (replicas[0].At == replicas[1].At && replicas[0].At > 0)
            {
                Assert.False(string.IsNullOrEmpty(replicas[0].Digest));
                Assert.Equal(replicas[0].Digest, replicas[1].Digest);
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "replicas never digested the same input");
            await Task.Delay(200);
        }
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
