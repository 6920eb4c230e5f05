using System.Collections.Concurrent;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// A returning replica that needs a full copy while the primary's newest disk lags its state by more than 16 MiB
/// gets the state frozen in memory (hashed while its first pieces go, the digest with the last one), in real
/// processes, and nothing acknowledged is lost.
/// </summary>
public sealed class FrozenCopyTests
{
    private static byte[] MiB(int _)
    {
        var value = new byte[1 << 20];
        Random.Shared.NextBytes(value);
        return value;
    }

    [Fact]
    public async Task A_lagging_disk_is_replaced_by_the_frozen_state_and_the_pair_is_duplex_and_identical()
    {
        await using var cluster = new LocalCluster();
        // Checkpoints every 8 inputs, paced once the disk passes 16 MiB (the next waits for half the disk in the
        // journal), nothing retained behind them.
        foreach (var host in cluster.Hosts) host.ExtraArgs.AddRange(["--snapshot-every", "8", "--retain-inputs", "0"]);
        await cluster.StartAsync();
        await cluster.ProtectAsync("frozen");
        var acked = new ConcurrentDictionary<string, byte[]>();
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(60));
        await AckedWrites.WriteOneAtATimeAsync(client, "frozen", "a", 30, acked, MiB);
        var primary = (await cluster.GetJsonAsync("vms/frozen")).GetProperty("primary").GetString()!;
        var secondary = primary == "h1" ? "h2" : "h1";
        cluster[secondary].Kill();
        // 48 MiB more: the primary's checkpoints (about 36 and 54 MiB) pass the secondary's place, and the last 18-24
        // MiB stay in its journal only, too many to follow a copy of the disk.
        await AckedWrites.WriteOneAtATimeAsync(client, "frozen", "b", 48, acked, MiB);
        cluster[secondary].Start();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/frozen", via: primary)).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(120), "duplex after the secondary's return");
        var log = await File.ReadAllTextAsync(cluster[primary].LogFile);
        Assert.Contains("sending a full copy of the state frozen at index", log);
        Assert.Contains("holds the whole copy", log);

        var (first, second, _) = await cluster.ReadBothReplicasAsync("frozen");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);
    }
}
