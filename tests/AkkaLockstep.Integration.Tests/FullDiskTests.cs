using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// The secondary's data folder is a small filesystem that fills up under writes: the primary leaves the secondary
/// behind and keeps acknowledging writes alone; once there is room again the secondary catches up, the pair is
/// duplex, both replicas are identical and nothing acknowledged is lost.
/// </summary>
public sealed class FullDiskTests
{
    [Fact]
    public async Task A_secondary_whose_disk_fills_up_is_left_behind_and_catches_up_once_there_is_room()
    {
        Assert.True(Environment.UserName == "root",
            "this test mounts a 24 MiB tmpfs as the secondary's data folder and needs root (as .ci/run runs)");
        await using var cluster = new LocalCluster();
        var h2 = cluster["h2"];
        Directory.CreateDirectory(h2.DataDir);
        Run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", h2.DataDir);
        try
        {
            foreach (var host in cluster.Hosts) host.ExtraArgs.AddRange(["--snapshot-every", "1000000"]);
            await cluster.StartAsync();
            using (var protect = await cluster.CommandAsync(HttpMethod.Post, "vms", new { name = "filling", kind = "kv", hosts = new[] { "h1", "h2" } }))
                Assert.True(protect.IsSuccessStatusCode, await protect.Content.ReadAsStringAsync());
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/filling")).GetProperty("state").GetString() == "duplex",
                TimeSpan.FromSeconds(60), "filling duplex on h1, h2");

            // 40 MB of values: more than the secondary's filesystem holds.
            var acked = new ConcurrentDictionary<string, byte[]>();
            await using var client = cluster.NewClient(TimeSpan.FromSeconds(120));
            var value = new byte[8192];
            Random.Shared.NextBytes(value);
            await Task.WhenAll(Enumerable.Range(0, 16).Select(s => Task.Run(async () =>
            {
                var session = client.OpenKvSession("filling");
                for (var i = 0; i < 320; i++)
                {
                    var key = $"s{s}-{i}";
                    var written = value.Append((byte)i).ToArray();
                    await session.PutAsync(key, written);
                    acked[key] = written;
                }
            })));
            Assert.Equal(16 * 320, acked.Count);
            // The secondary's journal refused the writes; the primary went on alone (its peer went quiet while the
            // replica restarted, or, answering but stuck, after the peer-stall timeout).
            Assert.Contains("database or disk is full", await File.ReadAllTextAsync(h2.LogFile));
            Assert.NotEqual("duplex", (await cluster.GetJsonAsync("vms/filling", via: "h1")).GetProperty("state").GetString());

            // Room again: the secondary catches up by itself.
            Run("mount", "-o", "remount,size=512m", h2.DataDir);
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/filling", via: "h1")).GetProperty("state").GetString() == "duplex",
                TimeSpan.FromSeconds(120), "duplex once the secondary's disk has room");
            var (first, second, _) = await cluster.ReadBothReplicasAsync("filling");
            Assert.Equal(first, second);
            AckedWrites.AssertAllPresent(acked, first);
        }
        finally
        {
            cluster.KillAll();
            Run("umount", "-l", h2.DataDir);
        }
    }

    private static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed: {error}");
    }
}
