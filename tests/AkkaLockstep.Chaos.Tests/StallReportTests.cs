namespace AkkaLockstep.Chaos.Tests;

public sealed class StallReportTests
{
    [Fact]
    public void Stats_cover_answered_ops_only()
    {
        var history = new HistoryBuilder();
        for (var i = 1; i <= 100; i++) history.Put(1, "k", "a", 1000L * i, 1000L * i + i);
        history.Add(new HistoryOp(2, 0, KvOpKind.Get, "k", null, null, 0, 50_000, OpOutcome.Unknown, null, 0, null));
        Assert.Equal(new StallStats(100, 99, 50), StallReport.Stats(history.Ops));
        Assert.Equal(new StallStats(0, 0, 0), StallReport.Stats([]));
    }

    [Fact]
    public void Percentile_is_nearest_rank()
    {
        double[] values = [40, 15, 50, 35, 20];
        Assert.Equal(15, StallReport.Percentile(values, 0));
        Assert.Equal(15, StallReport.Percentile(values, 5));
        Assert.Equal(20, StallReport.Percentile(values, 30));
        Assert.Equal(20, StallReport.Percentile(values, 40));
        Assert.Equal(35, StallReport.Percentile(values, 50));
        Assert.Equal(50, StallReport.Percentile(values, 99));
        Assert.Equal(50, StallReport.Percentile(values, 100));
        Assert.Equal(0, StallReport.Percentile([], 99));
    }

    [Fact]
    public void The_stall_in_a_window_is_the_longest_wait_overlapping_it()
    {
        var ops = new HistoryBuilder()
            .Put(1, "k", "a", 0, 100)
            .Put(1, "k", "b", 150, 170)
            .Put(2, "k", "c", 200, 700)
            .Put(3, "k", "d", 800, null)
            .Add(new HistoryOp(4, 9, KvOpKind.Get, "k", null, null, 900, 5_900, OpOutcome.Unknown, null, 0, null))
            .Ops;
        Assert.Equal(100, StallReport.MaxStallIn(ops, 0, 120));
        Assert.Equal(20, StallReport.MaxStallIn(ops, 140, 180));
        Assert.Equal(500, StallReport.MaxStallIn(ops, 300, 400));
        Assert.Equal(5_000, StallReport.MaxStallIn(ops, 1_000, 1_100));
        Assert.Equal(0, StallReport.MaxStallIn(ops, 6_000, 7_000));
    }
}
