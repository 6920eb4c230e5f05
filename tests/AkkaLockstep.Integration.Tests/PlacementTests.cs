using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AkkaLockstep.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>The control plane on real processes: where VMs go, that placement is persisted, and unprotect.</summary>
public sealed class PlacementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Primaries_of_vms_protected_without_hosts_spread_evenly_and_placement_survives_a_restart_of_every_process()
    {
        var watch = Stopwatch.StartNew();
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        var names = Enumerable.Range(1, 6).Select(i => $"spread{i}").ToArray();
        foreach (var name in names) await cluster.ProtectAsync(name);
        output.WriteLine($"6 VMs duplex at {watch.Elapsed.TotalSeconds:F1}s");

        var before = new Dictionary<string, string[]>();
        var primaries = new Dictionary<string, string>();
        foreach (var name in names)
        {
            var vm = await cluster.GetJsonAsync($"vms/{name}");
            Assert.Equal("duplex", vm.GetProperty("state").GetString());
            before[name] = Hosts(vm);
            primaries[name] = vm.GetProperty("primary").GetString()!;
            output.WriteLine($"{name}: hosts {string.Join(",", before[name])}, primary {primaries[name]}");
        }
        Assert.All(before.Values, hosts => Assert.Equal(["h1", "h2"], hosts.Order()));
        Assert.Equal(3, primaries.Values.Count(p => p == "h1"));
        Assert.Equal(3, primaries.Values.Count(p => p == "h2"));

        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(20)))
            foreach (var name in names)
                await client.OpenKvSession(name).PutAsync("before-restart", System.Text.Encoding.UTF8.GetBytes(name));

        cluster.KillAll();
        await cluster.StartAsync();
        await cluster.WaitUntilAsync(async () =>
        {
            var list = await ListVmsAsync(cluster);
            return list.Count == names.Length && list.Values.All(vm => vm.GetProperty("state").GetString() == "duplex");
        }, TimeSpan.FromSeconds(60), "every VM listed and duplex after the restart");
        output.WriteLine($"all duplex again at {watch.Elapsed.TotalSeconds:F1}s");

        var after = await ListVmsAsync(cluster);
        Assert.Equal(names.Order(), after.Keys.Order());
        foreach (var name in names)
        {
            Assert.Equal(before[name], Hosts(after[name]));
            Assert.Equal("kv", after[name].GetProperty("kind").GetString());
            // Equal logs on both sides, so the preferred primary (the first host) wins again: still 3 and 3.
            Assert.Equal(primaries[name], after[name].GetProperty("primary").GetString());
        }
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(20)))
            foreach (var name in names)
                Assert.Equal(name, System.Text.Encoding.UTF8.GetString((await client.OpenKvSession(name).GetAsync("before-restart"))!));
        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s");
    }

    [Fact]
    public async Task Explicit_hosts_make_the_first_host_the_primary()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        // On an empty cluster the planner alone would choose h1 as primary; the request overrides it.
        using (var response = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "pinned", kind = "kv", hosts = new[] { "h2", "h1" } }))
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await WaitDuplexAsync(cluster, "pinned");

        var vm = await cluster.GetJsonAsync("vms/pinned");
        Assert.Equal(["h2", "h1"], Hosts(vm));
        Assert.Equal("h2", vm.GetProperty("primary").GetString());
        var roles = vm.GetProperty("replicas").EnumerateArray().ToDictionary(r => r.GetProperty("host").GetString()!, r => r.GetProperty("role").GetString());
        Assert.Equal("primary", roles["h2"]);
        Assert.Equal("secondary", roles["h1"]);

        await using var client = cluster.NewClient(TimeSpan.FromSeconds(20));
        Assert.Equal("127.0.0.1:" + cluster["h2"].ClientPort, await client.LocateAsync("pinned"));
    }

    [Fact]
    public async Task Unprotect_removes_the_vm_and_protecting_the_same_name_again_starts_empty()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        await cluster.ProtectAsync("bystander");
        await cluster.ProtectAsync("scratch");
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(20)))
        {
            var session = client.OpenKvSession("scratch");
            for (var i = 0; i < 20; i++) await session.PutAsync($"old{i}", [(byte)i]);
            Assert.Equal(new byte[] { 3 }, await session.GetAsync("old3"));
            await client.OpenKvSession("bystander").PutAsync("b", [1]);
        }
        var bystanderEpoch = (await cluster.GetJsonAsync("vms/bystander")).GetProperty("epoch").GetInt64();

        using (var delete = await cluster.CommandAsync(HttpMethod.Delete, "vms/scratch", via: "h1"))
            Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        using (var get = await cluster.CommandAsync(HttpMethod.Get, "vms/scratch", via: "h1"))
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(["bystander"], (await ListVmsAsync(cluster)).Keys);

        // Protect the same name again at once, while the old replicas may still be deleting their journals.
        await cluster.ProtectAsync("scratch");
        var vm = await cluster.GetJsonAsync("vms/scratch");
        // A fresh log holds only the epoch's opening no-op; nothing of the old VM's.
        Assert.All(vm.GetProperty("replicas").EnumerateArray(), r => Assert.Equal(1, r.GetProperty("lastIndex").GetInt64()));
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(20)))
        {
            var session = client.OpenKvSession("scratch");
            Assert.Null(await session.GetAsync("old3"));
            await session.PutAsync("new", [1]);
            Assert.Equal(new byte[] { 1 }, await client.OpenKvSession("bystander").GetAsync("b"));
        }
        var (first, second, _) = await cluster.ReadBothReplicasAsync("scratch");
        Assert.Equal(first, second);
        var state = new Guests.Kv.KvGuest();
        state.Restore(first);
        Assert.Equal(["new"], state.Entries.Keys);

        // Unprotecting and re-protecting one VM leaves the other VMs' replicas alone (no restart, so no new epoch).
        var bystander = await cluster.GetJsonAsync("vms/bystander");
        Assert.Equal("duplex", bystander.GetProperty("state").GetString());
        Assert.Equal(bystanderEpoch, bystander.GetProperty("epoch").GetInt64());

        // Unprotect for good: gone from every host's view, and no host keeps a replica.
        using (var delete = await cluster.CommandAsync(HttpMethod.Delete, "vms/scratch"))
            Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        await cluster.WaitUntilAsync(async () =>
        {
            foreach (var via in new[] { "h1", "h2" })
            {
                using var get = await cluster.CommandAsync(HttpMethod.Get, "vms/scratch", via: via);
                using var dump = await cluster.CommandAsync(HttpMethod.Get, "vms/scratch/local/dump", via: via);
                if (get.StatusCode != HttpStatusCode.NotFound || dump.StatusCode != HttpStatusCode.NotFound) return false;
            }
            return true;
        }, TimeSpan.FromSeconds(10), "scratch gone on both hosts");
    }

    [Fact]
    public async Task A_three_host_cluster_puts_each_new_vm_on_the_least_loaded_hosts()
    {
        await using var cluster = new LocalCluster(hosts: 3);
        await cluster.StartAsync();
        // Load h1 and h2 first, leaving h3 empty.
        foreach (var name in new[] { "fixed1", "fixed2" })
        {
            using var response = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name, kind = "kv", hosts = new[] { "h1", "h2" } });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            await WaitDuplexAsync(cluster, name);
        }

        for (var i = 1; i <= 4; i++)
        {
            var load = ReplicaCounts(await ListVmsAsync(cluster), ["h1", "h2", "h3"]);
            var name = $"auto{i}";
            await cluster.ProtectAsync(name);
            var hosts = Hosts(await cluster.GetJsonAsync($"vms/{name}"));
            output.WriteLine($"{name}: load before {string.Join(" ", load.Select(l => $"{l.Key}={l.Value}"))} -> hosts {string.Join(",", hosts)}");
            Assert.Equal(2, hosts.Distinct().Count());
            var left = load.Keys.Except(hosts).Single();
            Assert.True(hosts.All(h => load[h] <= load[left]),
                $"{name} went to {string.Join(",", hosts)} although {left} held fewer replicas ({string.Join(" ", load)})");
        }
        Assert.Contains("h3", Hosts(await cluster.GetJsonAsync("vms/auto1")));

        var final = await ListVmsAsync(cluster);
        Assert.Equal(6, final.Count);
        Assert.All(final.Values, vm => Assert.Equal("duplex", vm.GetProperty("state").GetString()));
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 4, ["h2"] = 4, ["h3"] = 4 }, ReplicaCounts(final, ["h1", "h2", "h3"]));
    }

    private static string[] Hosts(JsonElement vm) => vm.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()!).ToArray();

    private static Dictionary<string, int> ReplicaCounts(Dictionary<string, JsonElement> vms, string[] hosts) =>
        hosts.ToDictionary(h => h, h => vms.Values.Count(vm => Hosts(vm).Contains(h)));

    private static async Task<Dictionary<string, JsonElement>> ListVmsAsync(LocalCluster cluster) =>
        (await cluster.GetJsonAsync("vms")).EnumerateArray().ToDictionary(vm => vm.GetProperty("name").GetString()!);

    private static Task WaitDuplexAsync(LocalCluster cluster, string vm) =>
        cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync($"vms/{vm}")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(60), $"{vm} duplex");
}
