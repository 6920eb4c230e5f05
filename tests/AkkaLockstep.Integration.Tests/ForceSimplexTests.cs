using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AkkaLockstep.Client;
using AkkaLockstep.Integration.Tests.Cli;
using AkkaLockstep.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// DESIGN "No witness reachable": a replica that lost its peer and the witness stalls until an operator forces it.
/// Downing is decided by the witness only, so the lone survivor stays up (and forced) while the others are gone.
/// </summary>
public sealed class ForceSimplexTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_survivor_without_peer_and_witness_stalls_until_forced_then_serves_with_every_acknowledged_write_()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("fs");
        var primary = (await cluster.GetJsonAsync("vms/fs")).GetProperty("primary").GetString()!;
        var survivor = primary == "h1" ? "h2" : "h1";

        var acked = new Dictionary<string, byte[]>();
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(30)))
        {
            var session = client.OpenKvSession("fs");
            for (var i = 0; i < 50; i++)
            {
                await session.PutAsync($"k{i}", BitConverter.GetBytes(i));
                acked[$"k{i}"] = BitConverter.GetBytes(i);
            }
        }

        // Witness first, so the survivor cannot win a failover before its peer is gone too.
        var clock = Stopwatch.StartNew();
        cluster["witness"].Kill();
        cluster[primary].Kill();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/fs/local", survivor)).GetProperty("state").GetString() == "claiming",
            TimeSpan.FromSeconds(10), $"{survivor} claiming a failover epoch");
        var epochBefore = (await cluster.GetJsonAsync("vms/fs/local", survivor)).GetProperty("epoch").GetInt64();

        var survivorOnly = new LockstepClientOptions
        {
            Endpoints = [cluster[survivor].ClientEndpoint],
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        await using (var stalled = new LockstepClient(survivorOnly))
            await Assert.ThrowsAsync<TimeoutException>(() => stalled.OpenKvSession("fs").PutAsync("stalled", [1]));
        output.WriteLine($"stalled as expected; forcing after {clock.ElapsedMilliseconds} ms");

        using var cli = new CliHarness();
        var (exit, answer, error) = await cli.RunAsync("vm", "force-simplex", "fs", "--yes", "--json", "--endpoint", cluster[survivor].CommandUri.ToString());
        Assert.True(exit == 0, $"force-simplex exited {exit}: {error}");
        var forced = JsonDocument.Parse(answer).RootElement;
        Assert.Equal(survivor, forced.GetProperty("host").GetString());
        Assert.Equal("forced-simplex", forced.GetProperty("state").GetString());
        Assert.True(forced.GetProperty("epoch").GetInt64() > epochBefore);

        await using (var after = new LockstepClient(survivorOnly with { RequestTimeout = TimeSpan.FromSeconds(5) }))
        {
            var session = after.OpenKvSession("fs");
            for (var i = 0; i < 20; i++)
            {
                await session.PutAsync($"after{i}", BitConverter.GetBytes(i));
                acked[$"after{i}"] = BitConverter.GetBytes(i);
            }
        }
        output.WriteLine($"20 writes after the force done at {clock.ElapsedMilliseconds} ms");

        var dump = await cluster.GetJsonAsync("vms/fs/local/dump", survivor);
        AckedWrites.AssertAllPresent(acked, Convert.FromBase64String(dump.GetProperty("snapshotBase64").GetString()!));
        using var again = await cluster.CommandAsync(HttpMethod.Post, "vms/fs/force-simplex", via: survivor);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already runs forced simplex", await again.Content.ReadAsStringAsync());
        Assert.Contains("ALARM fs on " + survivor + ": operator forced simplex", File.ReadAllText(cluster[survivor].LogFile));
        output.WriteLine($"checked at {clock.ElapsedMilliseconds} ms");
    }
}
