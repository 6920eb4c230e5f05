using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// DESIGN invariant 5 across witness restarts: the witness's test-and-set register is persisted, so a witness that
/// was SIGKILLed and started again never grants an epoch it granted before, and failovers after the restart go on
/// to higher epochs with nothing acknowledged lost.
/// </summary>
public sealed partial class WitnessRestartTests
{
    [GeneratedRegex(@"granted epoch (\d+) of wr to (\S+)")]
    private static partial Regex Grant();

    [Fact]
    public async Task A_restarted_witness_never_grants_an_epoch_twice_and_failover_goes_on()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("wr");
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(60));
        var acked = new ConcurrentDictionary<string, byte[]>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
        {
            var session = client.OpenKvSession("wr");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await session.PutAsync($"w{s}-{i}", BitConverter.GetBytes(i));
                acked[$"w{s}-{i}"] = BitConverter.GetBytes(i);
            }
        })).ToArray();

        var epochs = new List<long>();
        for (var round = 0; round < 2; round++)
        {
            var vm = await cluster.GetJsonAsync("vms/wr");
            var primary = vm.GetProperty("primary").GetString()!;
            var survivor = primary == "h1" ? "h2" : "h1";
            epochs.Add(vm.GetProperty("epoch").GetInt64());

            cluster["witness"].Kill();
            cluster["witness"].Start();
            await cluster.WaitUntilAsync(cluster.AllUpAsync, TimeSpan.FromSeconds(60), "the witness back in the cluster");

            var before = acked.Count;
            cluster[primary].Kill();
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/wr", via: survivor)).GetProperty("primary").GetString() == survivor &&
                                                     acked.Count > before + 100, TimeSpan.FromSeconds(60), $"{survivor} serving after the failover");
            cluster[primary].Start();
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/wr", via: survivor)).GetProperty("state").GetString() == "duplex",
                TimeSpan.FromSeconds(90), "duplex again");
        }
        epochs.Add((await cluster.GetJsonAsync("vms/wr")).GetProperty("epoch").GetInt64());
        stop.Cancel();
        await Task.WhenAll(writers);

        Assert.True(epochs.SequenceEqual(epochs.Order()) && epochs.Distinct().Count() == epochs.Count, $"epochs went {string.Join(" -> ", epochs)}");
        var grants = File.ReadLines(cluster["witness"].LogFile).Select(l => Grant().Match(l)).Where(m => m.Success)
            .Select(m => (Epoch: long.Parse(m.Groups[1].Value), Holder: m.Groups[2].Value)).ToArray();
        Assert.True(grants.Length >= 3, $"expected the first grant and two failover grants, saw {grants.Length}");
        foreach (var epoch in grants.GroupBy(g => g.Epoch))
            Assert.True(epoch.Select(g => g.Holder).Distinct().Count() == 1, $"epoch {epoch.Key} granted to {string.Join(" and ", epoch.Select(g => g.Holder).Distinct())}");
        var (first, second, _) = await cluster.ReadBothReplicasAsync("wr");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);
    }
}
