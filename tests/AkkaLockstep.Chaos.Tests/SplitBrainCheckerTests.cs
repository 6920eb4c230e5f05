namespace AkkaLockstep.Chaos.Tests;

public sealed class SplitBrainCheckerTests
{
    [Fact]
    public void A_clean_failover_is_no_event()
    {
        var report = SplitBrainChecker.Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10, epoch: 3, host: "h1")
            .Get(2, "k", "a", 20, 30, epoch: 3, host: "h1")
            .Put(1, "k", "b", 40, null)
            .Put(1, "k", "c", 50, 60, epoch: 4, host: "h2")
            .Get(2, "k", "c", 70, 80, epoch: 4, host: "h2")
            .Ops);
        Assert.Equal(0, report.Events);
        Assert.Empty(report.Examples);
    }

    [Fact]
    public void Two_hosts_answering_in_one_epoch_are_one_event()
    {
        var report = SplitBrainChecker.Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10, epoch: 3, host: "h1")
            .Get(2, "k", "a", 20, 30, epoch: 3, host: "h1")
            .Put(1, "k", "b", 40, 50, epoch: 3, host: "h2")
            .Get(2, "k", "b", 60, 70, epoch: 3, host: "h2")
            .Ops);
        Assert.Equal(1, report.Events);
        Assert.Contains("epoch 3 answered by h1 and by h2", Assert.Single(report.Examples));
    }

    [Fact]
    public void A_deposed_primary_answering_after_its_successor_served_a_client_is_one_event()
    {
        var report = SplitBrainChecker.Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10, epoch: 3, host: "h1")
            .Put(2, "k", "b", 20, 30, epoch: 4, host: "h2")
            .Get(1, "k", "a", 40, 50, epoch: 3, host: "h1")
            .Get(3, "k", "a", 60, 70, epoch: 3, host: "h1")
            .Ops);
        Assert.Equal(1, report.Events);
        Assert.Contains("epoch 3 on h1 answered after epoch 4 on h2", Assert.Single(report.Examples));
    }

    [Fact]
    public void Overlapping_ops_of_two_epochs_are_no_event()
    {
        var report = SplitBrainChecker.Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 100, epoch: 3, host: "h1")
            .Put(2, "k", "b", 10, 50, epoch: 4, host: "h2")
            .Get(3, "k", "b", 40, 60, epoch: 3, host: "h1")
            .Ops);
        Assert.Equal(0, report.Events);
    }
}
