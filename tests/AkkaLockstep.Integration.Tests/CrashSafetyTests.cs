using System.Collections.Concurrent;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>DESIGN invariant 2 under the harshest crash: every process SIGKILLed at once while clients write.</summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_acknowledged_write_survives_sigkill_of_every_process_and_the_pair_returns_to_duplex()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("ledger");
        var acked = new ConcurrentDictionary<string, byte[]>();
        using var stop = new CancellationTokenSource();
        var client = cluster.NewClient(TimeSpan.FromSeconds(5));
        var writers = Enumerable.Range(0, 8).Select(s => Task.Run(async () =>
        {
            var session = client.OpenKvSession("ledger");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{s}-{i}";
                try
                {
                    await session.PutAsync(key, BitConverter.GetBytes(i));
                    acked[key] = BitConverter.GetBytes(i);
                }
                catch (Exception)
                {
                    // The cluster is being killed: unacknowledged writes may or may not land.
                    return;
                }
            }
        })).ToArray();
        await cluster.WaitUntilAsync(() => Task.FromResult(acked.Count > 500), TimeSpan.FromSeconds(30), "500 writes");
        cluster.KillAll();
        stop.Cancel();
        await Task.WhenAll(writers);
        await client.DisposeAsync();
        var before = acked.Count;
        output.WriteLine($"{before} writes acknowledged before SIGKILL");

        await cluster.StartAsync();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/ledger")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(60), "duplex after restart");
        var (first, second, _) = await cluster.ReadBothReplicasAsync("ledger");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);

        await using var after = cluster.NewClient();
        await after.OpenKvSession("ledger").PutAsync("after-restart", [1]);
    }
}
