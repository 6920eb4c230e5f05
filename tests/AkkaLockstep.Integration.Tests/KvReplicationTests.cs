using System.Collections.Concurrent;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

public sealed class KvReplicationTests
{
    [Fact]
    public async Task Writes_from_many_sessions_are_replicated_and_both_replicas_are_identical()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("orders");
        await using var client = cluster.NewClient();
        var acked = new ConcurrentDictionary<string, byte[]>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async s =>
        {
            var session = client.OpenKvSession("orders");
            for (var i = 0; i < 100; i++)
            {
                var key = $"s{s}-k{i}";
                var value = BitConverter.GetBytes(s * 1000 + i);
                await session.PutAsync(key, value);
                acked[key] = value;
            }
            Assert.True(await session.CompareAndSetAsync($"s{s}-k0", BitConverter.GetBytes(s * 1000), [42]));
            acked[$"s{s}-k0"] = [42];
        }));

        var (first, second, applied) = await cluster.ReadBothReplicasAsync("orders");
        Assert.Equal(first, second);
        Assert.True(applied >= 16 * 101);
        var state = new KvGuest();
        state.Restore(first);
        Assert.Equal(acked.Count, state.Count);
        foreach (var (key, value) in acked) Assert.Equal(value, state.Entries[key]);

        var vm = await cluster.GetJsonAsync("vms/orders");
        Assert.Equal("duplex", vm.GetProperty("state").GetString());
        var replicas = vm.GetProperty("replicas").EnumerateArray().ToArray();
        Assert.Equal(replicas[0].GetProperty("hashChain").GetString(), replicas[1].GetProperty("hashChain").GetString());
    }

    [Fact]
    public async Task Bad_input_gets_clear_errors_and_loses_nothing()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("accounts");
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(20));
        var session = client.OpenKvSession("accounts");
        await session.PutAsync("keep", [7]);

        using (var again = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "accounts", kind = "kv" }))
            Assert.Equal(409, (int)again.StatusCode);
        using (var bogus = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "x", kind = "bogus" }))
        {
            Assert.Equal(400, (int)bogus.StatusCode);
            Assert.Contains("unknown kind", await bogus.Content.ReadAsStringAsync());
        }
        using (var badHosts = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "y", kind = "kv", hosts = new[] { "h1", "h1" } }))
            Assert.Equal(400, (int)badHosts.StatusCode);
        using (var unknown = await cluster.CommandAsync(HttpMethod.Get, "vms/nope"))
            Assert.Equal(404, (int)unknown.StatusCode);

        var unknownVm = await Assert.ThrowsAsync<Client.LockstepException>(() => client.OpenKvSession("nope").GetAsync("k"));
        Assert.Equal(Wire.Status.UnknownVm, unknownVm.Status);
        var tooBig = await Assert.ThrowsAnyAsync<Exception>(() => session.PutAsync("big", new byte[KvCommand.MaxValueBytes + 10]));
        Assert.Contains("longer than", tooBig.Message);

        Assert.Equal(new byte[] { 7 }, await session.GetAsync("keep"));
    }
}
