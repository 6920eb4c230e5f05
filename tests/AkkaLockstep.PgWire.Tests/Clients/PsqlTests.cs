using AkkaLockstep.PgWire.Tests.Support;

namespace AkkaLockstep.PgWire.Tests.Clients;

/// <summary>psql (libpq, protocol 3.0, SCRAM-SHA-256, sslmode=prefer) driven by -c and -f.</summary>
public sealed class PsqlTests : IAsyncLifetime
{
    TestServer _server = null!;

    public Task InitializeAsync()
    {
        Assert.True(ExternalClient.Installed("psql"), "psql is not installed (apt-get install postgresql-client)");
        _server = TestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_single_command_prints_its_result()
    {
        var outcome = await PsqlAsync("-c", "select 40 + 2 as answer, 'x' as letter");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("42|x", outcome.Stdout.Trim());
    }

    [Fact]
    public async Task A_script_file_with_several_statements_runs_in_order()
    {
        var script = Path.Combine(Path.GetTempPath(), $"pgwire-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, """
            CREATE TABLE fruit (id INTEGER PRIMARY KEY, name TEXT);
            INSERT INTO fruit VALUES (1, 'apple'), (2, 'pear; with semicolon');
            BEGIN;
            UPDATE fruit SET name = 'quince' WHERE id = 1;
            COMMIT;
            -- a comment line
            SELECT id, name FROM fruit ORDER BY id; SELECT count(*) FROM fruit;
            """);
        try
        {
            var outcome = await PsqlAsync("-f", script);

            Assert.Equal(0, outcome.ExitCode);
            Assert.Equal(["1|quince", "2|pear; with semicolon", "2"], Lines(outcome.Stdout));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task Several_statements_in_one_command_are_one_simple_query()
    {
        var outcome = await PsqlAsync("-c", "create table t (a integer); insert into t values (1), (2); select sum(a) from t");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(["3"], Lines(outcome.Stdout));
    }

    [Fact]
    public async Task An_sql_error_stops_the_script_with_a_nonzero_exit_code()
    {
        var outcome = await PsqlAsync("-c", "select * from missing_table");

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("ERROR", outcome.Stderr);
        Assert.Contains("missing_table", outcome.Stderr);
    }

    [Fact]
    public async Task A_wrong_password_fails_to_connect()
    {
        var outcome = await ExternalClient.RunAsync("psql", _server.Port, TestServer.User, "wrong", ["-X", "-d", "app", "-c", "select 1"]);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("password authentication failed for user \"alice\"", outcome.Stderr);
    }

    [Fact]
    public async Task Backslash_commands_that_read_the_catalogs_fail_cleanly()
    {
        var outcome = await PsqlAsync("-c", "\\dt");

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("not supported by the AkkaLockstep gateway", outcome.Stderr);
    }

    Task<ExternalClient.Outcome> PsqlAsync(params string[] arguments) =>
        ExternalClient.RunAsync("psql", _server.Port, TestServer.User, TestServer.Password,
            ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", "app", .. arguments]);

    static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
