using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class ReplicaLogTests
{
    private static ReplicaLog LogOf(params int[] commandSizes)
    {
        var log = new ReplicaLog();
        for (var i = 0; i < commandSizes.Length; i++)
            log.Append(new Input(i + 1, 1, 0, 0, Guid.NewGuid(), 1, new byte[commandSizes[i]]));
        return log;
    }

    [Fact]
    public void A_range_stops_before_the_entry_that_would_pass_the_byte_limit_but_always_holds_one()
    {
        var log = LogOf(400, 400, 400, 2000);
        Assert.Equal([1L, 2L], log.Range(1, 10, maxBytes: 1000).Select(e => e.Index));
        Assert.Equal([4L], log.Range(4, 10, maxBytes: 1000).Select(e => e.Index));
        Assert.Equal(4, log.Range(1, 10).Count);
        Assert.Equal(2800, log.BytesBetween(1, log.LastIndex));
    }

    [Fact]
    public void Bytes_between_two_indices_stay_right_through_compaction_truncation_and_reset()
    {
        var log = LogOf(10, 20, 30, 40, 50);
        Assert.Equal(150, log.BytesBetween(0, 5));
        Assert.Equal(70, log.BytesBetween(2, 4));
        Assert.Equal(0, log.BytesBetween(4, 4));
        Assert.Equal(0, log.BytesBetween(4, 2));
        log.CompactTo(2, 1);
        // Before the log's base counts as its base; past its end as its end.
        Assert.Equal(120, log.BytesBetween(0, 99));
        Assert.Equal(90, log.BytesBetween(3, 5));
        log.TruncateFrom(5);
        log.Append(new Input(5, 1, 0, 0, Guid.NewGuid(), 1, new byte[7]));
        Assert.Equal(77, log.BytesBetween(2, 5));
        log.ResetTo(9, 2);
        Assert.Equal(0, log.BytesBetween(0, 9));
        log.Append(new Input(10, 2, 0, 0, Guid.NewGuid(), 1, new byte[3]));
        Assert.Equal(3, log.BytesBetween(9, 10));
    }
}
