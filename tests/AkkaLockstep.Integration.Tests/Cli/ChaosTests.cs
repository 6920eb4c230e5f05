using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// `lockstep chaos --json`: one short cycle of each scenario against real processes that `up` starts in a temp
/// state folder on free ports; `down` stops them by PID whatever happens. Every report must be clean; a
/// corrupt-disk cycle must also have made the secondary refuse its damaged disk (and, being clean, rebuilt it).
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
    [InlineData("kill-during-resync")]
    [InlineData("corrupt-disk")]
    public async Task One_cycle_loses_nothing_doubles_nothing_and_stays_linearizable(string scenario)
    {
        // Frequent checkpoints, so corrupt-disk finds a disk file within its one cycle.
        var (upExit, _, upError) = await _cli.RunAsync("up", "--base-port", _cli.FreeBasePort().ToString(), "--snapshot-every", "500");
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
            if (scenario == "corrupt-disk")
            {
                var target = report.GetProperty("cycle_reports")[0].GetProperty("target").GetString()!;
                var log = await File.ReadAllTextAsync(Path.Combine(_cli.StateDirectory, $"{target}.log"));
                // Rebuilt from the peer: by a full copy, or from the start of the peer's retained log.
                Assert.Contains("its disk could not be loaded", log);
            }
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
