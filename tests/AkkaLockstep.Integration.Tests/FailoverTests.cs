using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>DESIGN "Failure handling": the survivor carries on alone, and redundancy returns with the host.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_primary_host_loses_nothing_and_the_pair_returns_to_duplex_when_it_comes_back()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("fo");
        var primary = (await cluster.GetJsonAsync("vms/fo")).GetProperty("primary").GetString()!;
        var survivor = primary == "h1" ? "h2" : "h1";

        await using var client = cluster.NewClient(TimeSpan.FromSeconds(60));
        var acked = new ConcurrentDictionary<string, byte[]>();
        var lastAck = Stopwatch.StartNew();
        var maxStallMs = 0.0;
        var gate = new object();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(s => Task.Run(async () =>
        {
            var session = client.OpenKvSession("fo");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{s}-{i}";
                await session.PutAsync(key, BitConverter.GetBytes(i));
                acked[key] = BitConverter.GetBytes(i);
                lock (gate)
                {
                    maxStallMs = Math.Max(maxStallMs, lastAck.Elapsed.TotalMilliseconds);
                    lastAck.Restart();
                }
            }
        })).ToArray();

        await cluster.WaitUntilAsync(() => Task.FromResult(acked.Count > 300), TimeSpan.FromSeconds(30), "300 writes");
        lock (gate) maxStallMs = 0;
        var beforeKill = acked.Count;
        cluster[primary].Kill();
        await cluster.WaitUntilAsync(() => Task.FromResult(acked.Count > beforeKill + 300), TimeSpan.FromSeconds(30), "writes after the kill");
        var vm = await cluster.GetJsonAsync("vms/fo", via: survivor);
        Assert.Equal(survivor, vm.GetProperty("primary").GetString());
        Assert.Equal("simplex", vm.GetProperty("state").GetString());
        double stallAfterKill;
        lock (gate) stallAfterKill = maxStallMs;
        output.WriteLine($"longest client stall around the kill: {stallAfterKill:0} ms");

        cluster[primary].Start();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/fo", via: survivor)).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(90), "duplex after the host returned");
        stop.Cancel();
        await Task.WhenAll(writers);

        var (first, second, _) = await cluster.ReadBothReplicasAsync("fo");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);
        Assert.True(stallAfterKill < 10_000, $"clients stalled {stallAfterKill:0} ms");
    }
}
