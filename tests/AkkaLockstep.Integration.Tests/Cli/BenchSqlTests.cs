using System.Text.Json;
using AkkaLockstep.Cli.Bench.Sql;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// `lockstep bench sql --json` end to end, briefly: a local cluster from `up`, pgbench through the bench's gateway,
/// and the PostgreSQL peer when the server programs are installed (CI installs them). Checks the report's shape and
/// that every target committed transactions, never how fast.
/// </summary>
public sealed class BenchSqlTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Bench_sql_reports_every_target_with_committed_transactions_and_leaves_no_temp_folder()
    {
        PgClientTools.AssertInstalled("pgbench");
        var withPostgres = PostgresTools.FindServerBin() is not null;
        var tempBefore = BenchTempFolders();
        var (upExit, _, upError) = await _cli.RunAsync("up", "--base-port", _cli.FreeBasePort().ToString(), "--timeout", "120");
        Assert.True(upExit == 0, upError);
        try
        {
            string[] args = ["bench", "sql", "--json", "--seconds", "2", "--clients", "2", .. withPostgres ? new[] { "--peer", "postgres" } : []];
            var (exit, output, error) = await _cli.RunAsync(args);
            Assert.True(exit == 0, error + output);

            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            var targets = root.GetProperty("targets").EnumerateArray().ToArray();
            string[] expected = withPostgres ? ["unprotected", "duplex", "postgres-sync"] : ["unprotected", "duplex"];
            Assert.Equal(expected, targets.Select(t => t.GetProperty("target").GetString()));
            Assert.All(targets, t =>
            {
                Assert.True(t.GetProperty("transactions").GetInt64() > 0, $"{t.GetProperty("target")} committed nothing");
                Assert.Equal(0, t.GetProperty("failed").GetInt64());
                Assert.True(t.GetProperty("tps").GetDouble() > 0);
                Assert.InRange(t.GetProperty("p50_ms").GetDouble(), 0.001, t.GetProperty("p99_ms").GetDouble());
            });
            Assert.True(root.GetProperty("ratio_duplex_unprotected").GetDouble() > 0);
            var postgresRatio = root.GetProperty("ratio_duplex_postgres");
            if (withPostgres) Assert.True(postgresRatio.GetDouble() > 0);
            else Assert.Equal(JsonValueKind.Null, postgresRatio.ValueKind);
            Assert.Equal(2, root.GetProperty("clients").GetInt32());
            Assert.Equal("whole", root.GetProperty("script").GetString());

            // The same transaction statement by statement.
            var (interactiveExit, interactiveOutput, interactiveError) = await _cli.RunAsync("bench", "sql", "--json", "--seconds", "2", "--clients", "2",
                "--script", "interactive");
            Assert.True(interactiveExit == 0, interactiveError + interactiveOutput);
            using var interactive = JsonDocument.Parse(interactiveOutput);
            Assert.Equal("interactive", interactive.RootElement.GetProperty("script").GetString());
            Assert.All(interactive.RootElement.GetProperty("targets").EnumerateArray(), t =>
            {
                Assert.True(t.GetProperty("transactions").GetInt64() > 0, $"{t.GetProperty("target")} committed nothing");
                Assert.Equal(0, t.GetProperty("failed").GetInt64());
            });
            Assert.Subset(tempBefore, BenchTempFolders());
        }
        finally
        {
            await _cli.RunAsync("down");
        }
    }

    private static HashSet<string> BenchTempFolders() =>
        Directory.GetDirectories(Path.GetTempPath(), "lockstep-bench-*").ToHashSet();

    public void Dispose() => _cli.Dispose();
}
