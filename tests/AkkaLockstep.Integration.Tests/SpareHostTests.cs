using System.Collections.Concurrent;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// A VM whose host stays away longer than the spare delay is re-protected onto a third host by itself: the spare's
/// replica is rebuilt from the survivor, the pair is duplex again, and the host that left gives up its replica when it
/// returns. Nothing acknowledged is lost on the way.
/// </summary>
public sealed class SpareHostTests
{
    [Fact]
    public async Task A_vm_whose_host_stays_away_is_re_protected_on_a_spare_host_and_the_old_replica_is_dropped()
    {
        await using var cluster = new LocalCluster(hosts: 3);
        foreach (var host in cluster.Hosts) host.ExtraArgs.AddRange(["--spare-after", "5", "--snapshot-every", "100", "--retain-inputs", "50"]);
        await cluster.StartAsync();
        using (var protect = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "moving", kind = "kv", hosts = new[] { "h1", "h2" } }))
            Assert.True(protect.IsSuccessStatusCode, await protect.Content.ReadAsStringAsync());
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/moving")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(60), "moving duplex on h1, h2");
        var acked = new ConcurrentDictionary<string, byte[]>();
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(60));
        await AckedWrites.WriteOneAtATimeAsync(client, "moving", "a", 300, acked);

        cluster["h2"].Kill();
        // Writes go on while h2 is away and while the spare catches up.
        var writing = AckedWrites.WriteOneAtATimeAsync(client, "moving", "b", 400, acked);
        await cluster.WaitUntilAsync(async () =>
        {
            var vm = await cluster.GetJsonAsync("vms/moving", via: "h1");
            return vm.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()).SequenceEqual(["h1", "h3"]) &&
                   vm.GetProperty("state").GetString() == "duplex";
        }, TimeSpan.FromSeconds(120), "moving re-protected on h1, h3 and duplex");
        await writing;
        Assert.Contains("re-protecting moving: h2 has been away", string.Join("\n", cluster.Hosts.Select(h => File.ReadAllText(h.LogFile))));

        var (first, second, _) = await cluster.ReadBothReplicasAsync("moving");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);

        // h2 returns: it is no longer one of the VM's hosts, so its old replica (journal and disk) goes.
        cluster["h2"].Start();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/moving/local", "h2")).GetProperty("state").GetString() == "absent",
            TimeSpan.FromSeconds(90), "h2 dropped its replica of moving");
        await cluster.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(Path.Combine(cluster["h2"].DataDir, "disks", "moving"))),
            TimeSpan.FromSeconds(30), "h2's disk of moving removed");
        await AckedWrites.WriteOneAtATimeAsync(client, "moving", "c", 50, acked);
        var (afterFirst, afterSecond, _) = await cluster.ReadBothReplicasAsync("moving");
        Assert.Equal(afterFirst, afterSecond);
        AckedWrites.AssertAllPresent(acked, afterFirst);
        Assert.Equal("duplex", (await cluster.GetJsonAsync("vms/moving", via: "h1")).GetProperty("state").GetString());
    }
}
