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
        Assert.Equal(2800, log.CommandBytesFrom(2));
    }
}
