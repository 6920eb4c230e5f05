using System.Text.Json;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>
/// One target's result: pgbench's tps and percentiles of its per-transaction latencies, and what the measured run cost
/// the whole machine: CPU milliseconds per transaction and the share of all cores busy (null where unknown). On one
/// machine a duplex VM runs both replicas; the CPU per transaction says what each of two machines would carry.
/// </summary>
public sealed record SqlBenchTarget(string Target, double Tps, double P50Ms, double P99Ms, long Transactions, long Failed,
    double? CpuMsPerTransaction = null, double? CpuBusy = null)
{
    public static SqlBenchTarget From(string target, PgbenchSummary summary, PgbenchLog log, MachineCpu? before = null, MachineCpu? after = null)
    {
        var transactions = log.LatenciesUs.Count;
        double? cpuMs = null, busy = null;
        if (before is { } b && after is { } a)
        {
            if (transactions > 0) cpuMs = Math.Round(a.BusySecondsSince(b) * 1000 / transactions, 3);
            busy = Math.Round(a.BusyShareSince(b), 3);
        }
        return new(target, Math.Round(summary.Tps, 1), LatencyPercentiles.Ms(log.LatenciesUs, 50), LatencyPercentiles.Ms(log.LatenciesUs, 99),
            transactions, Math.Max(summary.Failed, log.Failed), cpuMs, busy);
    }
}

/// <summary>`lockstep bench sql --json`: the targets in run order and the ratios of duplex to the others (null when one is missing).</summary>
public sealed record SqlBenchReport(IReadOnlyList<SqlBenchTarget> Targets, double? RatioDuplexUnprotected, double? RatioDuplexPostgres,
    int Clients, int Seconds, string QueryMode, int Accounts, int Cores, string Date, string Script)
{
    public const string Unprotected = "unprotected";
    public const string Duplex = "duplex";
    public const string PostgresSync = "postgres-sync";

    public static SqlBenchReport Create(IReadOnlyList<SqlBenchTarget> targets, int clients, int seconds, string queryMode, int accounts, DateTime now,
        string script = SqlBenchWorkload.Whole) =>
        new(targets, Ratio(targets, Duplex, Unprotected), Ratio(targets, Duplex, PostgresSync), clients, seconds, queryMode, accounts,
            Environment.ProcessorCount, now.ToString("yyyy-MM-dd"), script);

    private static double? Ratio(IReadOnlyList<SqlBenchTarget> targets, string over, string under) =>
        targets.FirstOrDefault(t => t.Target == over) is { } a && targets.FirstOrDefault(t => t.Target == under) is { Tps: > 0 } b
            ? Math.Round(a.Tps / b.Tps, 3)
            : null;

    public string ToJson() => JsonSerializer.Serialize(this, Output.CliJson.Options);

    public IEnumerable<string> ToTextLines()
    {
        yield return $"transaction sent {(Script == SqlBenchWorkload.Whole ? "whole (one compound statement)" : "statement by statement")}, {Clients} clients";
        yield return $"{"TARGET",-14} {"TPS",9} {"P50 MS",8} {"P99 MS",8} {"TRANSACTIONS",13} {"FAILED",7} {"CPU MS/TXN",11} {"CPU BUSY",9}";
        foreach (var t in Targets)
            yield return $"{t.Target,-14} {t.Tps,9:N1} {t.P50Ms,8} {t.P99Ms,8} {t.Transactions,13:N0} {t.Failed,7} " +
                         $"{t.CpuMsPerTransaction?.ToString("0.000") ?? "-",11} {(t.CpuBusy is { } busy ? $"{busy:P0}" : "-"),9}";
        if (RatioDuplexUnprotected is { } u) yield return $"duplex / unprotected   = {u}";
        if (RatioDuplexPostgres is { } p) yield return $"duplex / postgres-sync = {p}";
    }
}
