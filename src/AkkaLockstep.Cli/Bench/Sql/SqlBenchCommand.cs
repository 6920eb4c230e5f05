using System.Security.Cryptography;
using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>Options of `lockstep bench sql`.</summary>
/// <param name="Script">The transaction's shape: <see cref="SqlBenchWorkload.Interactive"/> or <see cref="SqlBenchWorkload.Whole"/>.</param>
public sealed record SqlBenchSettings(bool Json, int Seconds, int Clients, bool PeerPostgres, string Script = SqlBenchWorkload.Whole);

/// <summary>
/// `lockstep bench sql`: the same pgbench script with the same clients and duration against an unprotected sql VM
/// (one replica on h1), a duplex sql VM (primary on h1), and optionally a PostgreSQL 15 primary with a synchronous
/// streaming standby. The VMs are reached through a PostgreSQL gateway that this command runs itself (the code every
/// host runs, here with a one-off user), so the bench does not depend on the users configured for the hosts.
/// </summary>
public static class SqlBenchCommand
{
    private const int WarmUpSeconds = 2;
    private const string GatewayUser = "bench";

    public static async Task<int> RunAsync(SqlBenchSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        // Missing tools are reported before anything is started.
        PostgresTools.Client("pgbench");
        PostgresTools.Client("psql");
        if (settings.PeerPostgres) PostgresTools.ServerBin();

        var work = Directory.CreateTempSubdirectory("lockstep-bench-sql-").FullName;
        try
        {
            var schema = Path.Combine(work, "schema.sql");
            var script = Path.Combine(work, "transaction.sql");
            await File.WriteAllTextAsync(schema, SqlBenchWorkload.Schema, ct);
            await File.WriteAllTextAsync(script, SqlBenchWorkload.Script(settings.Script), ct);
            var bench = new TargetBench(settings, script, schema, work, progress);

            var targets = new List<SqlBenchTarget>();
            using (var cluster = await LocalClusterAccess.EnsureUpAsync(context, ct))
            {
                // A name of its own per run: re-protecting a removed sql VM's name can replay the old replica's journal
                // tail once it was truncated at a snapshot (recovery fails with "log append out of order").
                var run = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
                await using var gateway = cluster.StartGateway(GatewayUser, "the bench", out var password);
                foreach (var (name, hosts) in new[] { (SqlBenchReport.Unprotected, new[] { "h1" }), (SqlBenchReport.Duplex, new[] { "h1", "h2" }) })
                {
                    var vm = $"bench-sql-{name}-{run}";
                    await progress.WriteLineAsync($"{name}: protecting sql VM {vm} on {string.Join(",", hosts)}…");
                    await cluster.ProtectFreshAsync(vm, hosts, name, ct, kind: "sql");
                    try
                    {
                        targets.Add(await bench.MeasureAsync(name, new PgTarget(gateway.LocalEndPoint.Port, GatewayUser, password, vm), ct));
                    }
                    finally
                    {
                        await cluster.UnprotectAsync(vm, CancellationToken.None);
                    }
                }
            }
            if (settings.PeerPostgres)
            {
                await using var pair = await PostgresSyncPair.StartAsync(progress, ct);
                targets.Add(await bench.MeasureAsync(SqlBenchReport.PostgresSync,
                    new PgTarget(pair.PrimaryPort, PostgresSyncPair.User, null, PostgresSyncPair.Database), ct));
            }

            var report = SqlBenchReport.Create(targets, settings.Clients, settings.Seconds, PgbenchRun.QueryMode, SqlBenchWorkload.Accounts, DateTime.UtcNow,
                settings.Script);
            if (settings.Json) await context.Output.WriteLineAsync(report.ToJson());
            else
                foreach (var line in report.ToTextLines())
                    await context.Output.WriteLineAsync(line);
            return targets.All(t => t.Transactions > 0 && t.Failed == 0) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Schema, a warm-up, then the measured run, for one target.</summary>
    private sealed class TargetBench(SqlBenchSettings settings, string script, string schema, string logDirectory, TextWriter progress)
    {
        public async Task<SqlBenchTarget> MeasureAsync(string name, PgTarget target, CancellationToken ct)
        {
            await progress.WriteLineAsync($"{name}: loading {SqlBenchWorkload.Accounts:N0} accounts…");
            await PgbenchRun.LoadSchemaAsync(target, schema, ct);
            await PgbenchRun.RunAsync(target, script, settings.Clients, WarmUpSeconds, logDirectory, null, ct);
            await progress.WriteLineAsync($"{name}: pgbench -c {settings.Clients} -T {settings.Seconds}…");
            var before = MachineCpu.Read();
            var (summary, log) = await PgbenchRun.RunAsync(target, script, settings.Clients, settings.Seconds, logDirectory, name, ct);
            var result = SqlBenchTarget.From(name, summary, log!, before, MachineCpu.Read());
            await progress.WriteLineAsync($"{name}: {result.Tps:N1} tps, p50 {result.P50Ms} ms, p99 {result.P99Ms} ms ({result.Transactions:N0} transactions, " +
                                          $"{result.CpuMsPerTransaction?.ToString("0.000") ?? "-"} ms of CPU each)");
            return result;
        }
    }
}
