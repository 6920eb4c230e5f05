using System.Text.Json;
using AkkaLockstep.Cli;
using AkkaLockstep.Cli.Bench;
using AkkaLockstep.Cli.Bench.Sql;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>The pure parts of `bench sql`: pgbench's transaction log and summary, percentiles, the report's JSON.</summary>
public sealed class SqlBenchReportTests
{
    [Fact]
    public void The_transaction_log_gives_each_latency_and_counts_failed_and_skipped_ones()
    {
        var log = PgbenchLog.Parse([
            "0 0 1520 0 1764042000 123456",
            "1 0 2380 0 1764042000 125000",
            "",
            "0 1 failed 0 1764042001 5000 0 2",
            "1 1 skipped 0 1764042001 6000 12",
            "0 2 990 0 1764042001 7000 15 0",
        ]);
        Assert.Equal([1520L, 2380L, 990L], log.LatenciesUs);
        Assert.Equal(2, log.Failed);
        Assert.Throws<FormatException>(() => PgbenchLog.Parse(["0 1 2"]));
        Assert.Throws<FormatException>(() => PgbenchLog.Parse(["0 1 fast 0 1764042001 5000"]));
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var hundred = Enumerable.Range(1, 100).Select(i => i * 1000L).Reverse().ToArray();
        Assert.Equal(50.0, LatencyPercentiles.Ms(hundred, 50));
        Assert.Equal(99.0, LatencyPercentiles.Ms(hundred, 99));
        Assert.Equal(100.0, LatencyPercentiles.Ms(hundred, 100));
        Assert.Equal(1.5, LatencyPercentiles.Ms([1500], 99));
        Assert.Equal(2.0, LatencyPercentiles.Ms([1000, 2000, 3000], 50));
        Assert.Equal(0, LatencyPercentiles.Ms([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyPercentiles.Ms([1], 0));
    }

    [Fact]
    public void The_summary_reads_pgbench_15_output_and_refuses_output_without_figures()
    {
        const string stdout = """
            transaction type: /tmp/x/transaction.sql
            scaling factor: 1
            query mode: simple
            number of clients: 4
            number of threads: 1
            maximum number of tries: 1
            duration: 20 s
            number of transactions actually processed: 7042
            number of failed transactions: 0 (0.000%)
            latency average = 11.360 ms
            initial connection time = 21.908 ms
            tps = 352.113517 (without initial connection time)
            """;
        Assert.Equal(new PgbenchSummary(352.113517, 7042, 0), PgbenchSummary.Parse(stdout));
        Assert.Throws<CliException>(() => PgbenchSummary.Parse("pgbench: error: connection refused"));
    }

    [Fact]
    public void The_machines_cpu_time_is_read_from_proc_stat_and_charged_per_transaction()
    {
        var before = MachineCpu.Parse("cpu  1000 10 500 8000 90 5 5 0 40 0");
        Assert.Equal(new MachineCpu(1520, 9610), before);
        var after = MachineCpu.Parse("cpu  1300 10 600 8100 90 5 5 0 0 0");
        Assert.Equal(4.0, after.BusySecondsSince(before));
        Assert.Equal(0.8, after.BusyShareSince(before), 3);
        Assert.Throws<FormatException>(() => MachineCpu.Parse("cpu0 1 2 3 4 5 6 7 8"));
        Assert.Throws<FormatException>(() => MachineCpu.Parse("cpu 1 2 3"));

        var log = PgbenchLog.Parse(Enumerable.Range(0, 500).Select(i => $"0 {i} 1000 0 1764042000 0").ToArray());
        var target = SqlBenchTarget.From("duplex", new PgbenchSummary(50, 500, 0), log, before, after);
        Assert.Equal(8.0, target.CpuMsPerTransaction);
        Assert.Equal(0.8, target.CpuBusy);
        Assert.Null(SqlBenchTarget.From("duplex", new PgbenchSummary(50, 500, 0), log).CpuMsPerTransaction);
        Assert.NotNull(MachineCpu.Read());
    }

    [Fact]
    public void The_json_report_has_the_targets_in_order_and_the_ratios_in_snake_case()
    {
        SqlBenchTarget Target(string name, double tps) => new(name, tps, 2.5, 9.75, (long)tps * 10, 0, 0.8, 0.97);
        var report = SqlBenchReport.Create([Target("unprotected", 400), Target("duplex", 300), Target("postgres-sync", 600)],
            clients: 4, seconds: 10, "simple", 100_000, new DateTime(2026, 11, 25));

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        var targets = root.GetProperty("targets").EnumerateArray().ToArray();
        Assert.Equal(["unprotected", "duplex", "postgres-sync"], targets.Select(t => t.GetProperty("target").GetString()));
        Assert.All(targets, t => Assert.Equal(["target", "tps", "p50_ms", "p99_ms", "transactions", "failed", "cpu_ms_per_transaction", "cpu_busy"],
            t.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(0.8, targets[0].GetProperty("cpu_ms_per_transaction").GetDouble());
        Assert.Equal(9.75, targets[1].GetProperty("p99_ms").GetDouble());
        Assert.Equal(0.75, root.GetProperty("ratio_duplex_unprotected").GetDouble());
        Assert.Equal(0.5, root.GetProperty("ratio_duplex_postgres").GetDouble());
        Assert.Equal(4, root.GetProperty("clients").GetInt32());
        Assert.Equal("2026-11-25", root.GetProperty("date").GetString());

        var withoutPeer = SqlBenchReport.Create([Target("unprotected", 400), Target("duplex", 300)], 4, 10, "simple", 100_000, DateTime.UtcNow);
        using var partial = JsonDocument.Parse(withoutPeer.ToJson());
        Assert.Equal(JsonValueKind.Null, partial.RootElement.GetProperty("ratio_duplex_postgres").ValueKind);
        Assert.Contains("duplex / unprotected   = 0.75", withoutPeer.ToTextLines());
    }
}
