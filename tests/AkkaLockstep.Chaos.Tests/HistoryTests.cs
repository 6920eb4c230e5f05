namespace AkkaLockstep.Chaos.Tests;

public sealed class HistoryTests
{
    [Fact]
    public void Concurrent_adds_are_all_recorded_and_a_snapshot_is_a_copy()
    {
        var history = new History();
        Parallel.For(0, 8, client =>
        {
            for (var id = 0; id < 1_000; id++)
                history.Add(new HistoryOp(client, id, KvOpKind.Get, "k", null, null, id, id + 1, OpOutcome.NotFound, null, 1, "h1"));
        });
        var snapshot = history.Snapshot();
        Assert.Equal(8_000, snapshot.Count);
        Assert.Equal(8_000, snapshot.Select(o => (o.Client, o.Id)).Distinct().Count());
        history.Add(snapshot[0]);
        Assert.Equal(8_000, snapshot.Count);
        Assert.Equal(8_001, history.Count);
    }

    [Fact]
    public void An_op_renders_as_one_readable_line()
    {
        var op = new HistoryOp(2, 17, KvOpKind.Cas, "k", [0x01, 0xff], null, 120, null, OpOutcome.Unknown, null, 0, null);
        Assert.Equal("c2#17 cas(\"k\", absent -> 0x01FF) [120, ?] -> Unknown", op.ToString());
    }
}
