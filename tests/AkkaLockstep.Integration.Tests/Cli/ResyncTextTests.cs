using AkkaLockstep.Cli.Output;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Integration.Tests.Cli;

public sealed class ResyncTextTests
{
    private static VmInfo Vm(ResyncInfo? resync, string state) => new("db", "sql", ["h1", "h2"], "h1", 4, state,
    [
        new ReplicaInfo("db", "h1", "primary", state, 4, 900, 900, 900, "aa", "bb", 0, resync),
        new ReplicaInfo("db", "h2", "secondary", "joining", 3, 400, 400, 400, "cc", "dd"),
    ]);

    [Fact]
    public void A_resync_shows_a_bar_the_gap_in_inputs_and_bytes_the_pace_and_the_time_left()
    {
        var line = ResyncText.WatchLine(Vm(new ResyncInfo(50, 500, 3 * 1024 * 1024, 1200, 0.4), "resyncing"));
        Assert.Equal("db: resyncing h2 from h1 [###############...............]  50.0%  lag 500 inputs (3.0 MiB)  1,200 inputs/s  ETA 0.4 s", line);
    }

    [Fact]
    public void Without_a_resync_the_line_names_the_state_and_an_unknown_eta_says_so()
    {
        Assert.Equal("db: duplex, primary h1, epoch 4", ResyncText.WatchLine(Vm(null, "duplex")));
        Assert.EndsWith("ETA unknown", ResyncText.Describe(new ResyncInfo(0, 10, 100, 0, null)));
        Assert.Equal("[" + new string('#', 30) + "]", ResyncText.Bar(130));
    }
}
