using AkkaLockstep.Cli.Bench;

namespace AkkaLockstep.Cli.Tests;

public sealed class CopyTransferLogTests
{
    private const string Held =
        "[INFO][12/02/2026 17:11:34.246Z][Thread 0023][akka.tcp://lockstep@127.0.0.1:43787/user/replicas/resync-full] resync-full on h1: " +
        "h2 holds the whole copy at index 1026 (1073754226 bytes), 5657 ms after the copy started; 24804 bytes were sent again";

    [Fact]
    public void The_last_copy_a_primary_logs_for_the_vm_gives_the_transfer_rate()
    {
        string[] lines =
        [
            Held.Replace("1073754226", "1000").Replace("5657", "1"),
            "[INFO][...][...] resync-full-load on h1: h2 holds the whole copy at index 7 (5 bytes), 9 ms after the copy started",
            "[INFO][...][...] resync-full on h1: h2 needs entry 1: sending a full copy of the disk file disk-1.img at index 1 (5 bytes)",
            Held,
        ];
        var transfer = CopyTransferLog.Last(lines, "resync-full");
        Assert.Equal((1073754226L, 5657L), transfer);
        Assert.Equal(189.8, CopyTransferLog.MbPerSecond(transfer));
    }

    [Fact]
    public void No_copy_logged_or_one_of_another_vm_gives_nothing()
    {
        Assert.Null(CopyTransferLog.Last(["unrelated", Held.Replace("resync-full on", "other on")], "resync-full"));
        Assert.Null(CopyTransferLog.MbPerSecond(null));
        Assert.Null(CopyTransferLog.MbPerSecond((100, 0)));
    }
}
