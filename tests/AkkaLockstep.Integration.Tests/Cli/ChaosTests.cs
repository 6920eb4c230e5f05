using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// `lockstep chaos --json`: one short cycle of each scenario against real processes that `up` starts in a temp
/// state folder on free ports; `down` stops them by PID whatever happens. Every report must be clean.
/// </summary>
public sealed class ChaosTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Theory]
    [InlineData("kill-primary")]
    [InlineData("kill-secondary")]
    [InlineData("kill-witness")]
    [InlineData("partition-hosts")]
    [InlineData("isolate-primary")]
    [InlineData("pause-primary")]
    public async Task One_cycle_loses_nothing_doubles_nothing_and_stays_linearizable(string scenario)
    {
        var (upExit, _, upError) = await _cli.RunAsync("up", "--base-port", _cli.FreeBasePort().ToString());
        Assert.True(upExit == 0, upError);
        try
        {
            var (exit, output, error) = await _cli.RunAsync("chaos", "--scenario", scenario, "--cycles", "1", "--sessions", "4",
                "--fault-seconds", "2", "--json");
            using var json = JsonDocument.Parse(output);
            var report = json.RootElement;
            Assert.True(exit == 0, error + output);
            ChaosReportAssert.CleanSingleCycle(report, scenario);
            Assert.True(report.GetProperty("max_stall_ms").GetDouble() > 0);
        }
        finally
        {
            await _cli.RunAsync("down");
        }
    }

    [Fact]
    public async Task An_unknown_scenario_is_refused_before_anything_starts()
    {
        var (exit, _, error) = await _cli.RunAsync("chaos", "--scenario", "kill-everything", "--cycles", "1");
        Assert.NotEqual(0, exit);
        Assert.Contains("unknown scenario 'kill-everything'", error);
        Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
    }

    public void Dispose() => _cli.Dispose();
}
