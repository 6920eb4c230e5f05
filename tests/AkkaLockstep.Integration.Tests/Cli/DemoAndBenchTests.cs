using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// `lockstep demo --json` (the broker-database experiment: Npgsql clients through an in-process gateway, through
/// the failure phases) and `lockstep bench --json` end to end against a local cluster that `up` starts in a temp
/// state folder on free ports; `down` stops it by PID whatever happens.
/// </summary>
public sealed class DemoAndBenchTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Demo_and_bench_report_json_with_nothing_lost_duplicated_or_double_assigned()
    {
        var basePort = _cli.FreeBasePort();
        var (upExit, _, upError) = await _cli.RunAsync("up", "--base-port", basePort.ToString(), "--timeout", "120");
        Assert.True(upExit == 0, upError);
        try
        {
            var (demoExit, demoOut, demoError) = await _cli.RunAsync("demo", "--json", "--seconds", "2", "--sessions", "8");
            Assert.True(demoExit == 0, demoError + demoOut);
            using var demo = JsonDocument.Parse(demoOut);
            var report = demo.RootElement;
            Assert.Equal("broker", report.GetProperty("vm").GetString());
            Assert.True(report.GetProperty("acked").GetInt64() > 0);
            Assert.True(report.GetProperty("logons").GetInt64() > 0);
            Assert.Equal(report.GetProperty("sent").GetInt64(), report.GetProperty("acked").GetInt64());
            Assert.Equal(0, report.GetProperty("failed").GetInt64());
            Assert.Equal(0, report.GetProperty("unknown").GetInt64());
            Assert.Equal(0, report.GetProperty("lost").GetInt64());
            Assert.Equal(0, report.GetProperty("duplicated").GetInt64());
            Assert.Equal(0, report.GetProperty("double_assignments").GetInt64());
            Assert.True(report.GetProperty("replicas_identical").GetBoolean());
            Assert.Empty(report.GetProperty("problems").EnumerateArray());
            var phases = report.GetProperty("phases").EnumerateArray().ToArray();
            Assert.Equal(["steady", "kill-primary", "return", "cut-hosts", "heal", "final"], phases.Select(p => p.GetProperty("name").GetString()));
            Assert.All(phases, p => Assert.True(p.GetProperty("acked").GetInt64() > 0, $"no transaction in {p.GetProperty("name")}"));
            Assert.All(phases, p => Assert.Equal(0, p.GetProperty("failed").GetInt64()));
            Assert.True(phases[2].GetProperty("duplex_after_s").GetDouble() > 0);
            Assert.Equal(phases.Max(p => p.GetProperty("max_stall_ms").GetDouble()), report.GetProperty("max_stall_ms").GetDouble());

            var (benchExit, benchOut, benchError) = await _cli.RunAsync("bench", "--json", "--seconds", "2", "--sessions", "4");
            Assert.True(benchExit == 0, benchError + benchOut);
            using var bench = JsonDocument.Parse(benchOut);
            var modes = bench.RootElement.GetProperty("modes").EnumerateArray().ToArray();
            Assert.Equal(["unprotected", "duplex"], modes.Select(m => m.GetProperty("mode").GetString()));
            Assert.All(modes, m => Assert.True(m.GetProperty("ops_per_s").GetDouble() > 0));
            Assert.True(bench.RootElement.GetProperty("ratio_duplex_unprotected").GetDouble() > 0);
        }
        finally
        {
            await _cli.RunAsync("down");
        }
    }

    public void Dispose() => _cli.Dispose();
}
