using System.Collections.Concurrent;
using AkkaLockstep.Integration.Tests.Harness;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// Each replica's disk is a checkpoint file in its host's data folder, named by a snapshot; a replica whose disk
/// is damaged while its host is down comes back empty, is rebuilt by a full copy from its peer, and nothing
/// acknowledged is lost.
/// </summary>
public sealed class DiskTests
{
    [Fact]
    public async Task A_replica_whose_disk_was_damaged_is_rebuilt_by_its_peer_with_nothing_lost()
    {
        await using var cluster = new LocalCluster();
        foreach (var host in cluster.Hosts) host.ExtraArgs.AddRange(["--snapshot-every", "100", "--retain-inputs", "50"]);
        await cluster.StartAsync();
        await cluster.ProtectAsync("vault");
        var acked = new ConcurrentDictionary<string, byte[]>();
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(30));
        await AckedWrites.WriteOneAtATimeAsync(client, "vault", "a", 400, acked);

        var primary = (await cluster.GetJsonAsync("vms/vault")).GetProperty("primary").GetString()!;
        var secondary = primary == "h1" ? "h2" : "h1";
        var folder = Path.Combine(cluster[secondary].DataDir, "disks", "vault");
        await cluster.WaitUntilAsync(() => Task.FromResult(Directory.Exists(folder) && Directory.GetFiles(folder, "disk-*.img").Length == 1),
            TimeSpan.FromSeconds(30), "a checkpoint on the secondary's disk");
        // Both replicas report their disk (a host downed under load reports its replica absent until it has rejoined).
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/vault")).GetProperty("replicas").EnumerateArray()
                .All(r => r.GetProperty("disk") is { ValueKind: System.Text.Json.JsonValueKind.Object } disk && disk.GetProperty("index").GetInt64() > 0),
            TimeSpan.FromSeconds(60), "both replicas to report a disk index");

        cluster[secondary].Kill();
        var disk = Directory.GetFiles(folder, "disk-*.img").Single();
        var bytes = await File.ReadAllBytesAsync(disk);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(disk, bytes);
        await AckedWrites.WriteOneAtATimeAsync(client, "vault", "b", 100, acked);
        cluster[secondary].Start();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/vault", via: primary)).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(90), "duplex after the damaged replica's return");
        var log = await File.ReadAllTextAsync(cluster[secondary].LogFile);
        Assert.Contains("its disk could not be loaded", log);
        Assert.Contains("fail the checksum", log);
        await AckedWrites.WriteOneAtATimeAsync(client, "vault", "c", 50, acked);

        var (first, second, _) = await cluster.ReadBothReplicasAsync("vault");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);

        // The rebuilt disk is a good one: everything restarts from it.
        await cluster.KillAllAndCheckRecoveryAsync("vault", acked);
    }

    /// <summary>docs/operations.md, "A damaged journal": the host refuses to start; moved aside, the host's replicas start empty.</summary>
    [Fact]
    public async Task A_host_whose_damaged_journal_is_moved_aside_comes_back_empty_and_its_replicas_are_rebuilt_with_nothing_lost()
    {
        await using var cluster = new LocalCluster();
        await cluster.StartAsync();
        string[] vms = ["ledger", "orders"];
        var acked = vms.ToDictionary(vm => vm, _ => new ConcurrentDictionary<string, byte[]>());
        foreach (var vm in vms) await cluster.ProtectAsync(vm);
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(30));
        foreach (var vm in vms) await AckedWrites.WriteOneAtATimeAsync(client, vm, "a", 200, acked[vm]);

        // h2 dies; h1 serves both VMs alone (the runbook's condition) while more is written.
        cluster["h2"].Kill();
        foreach (var vm in vms) await AckedWrites.WriteOneAtATimeAsync(client, vm, "b", 100, acked[vm]);
        // Damaged past what the write-ahead log could mask (it holds newer copies of recently written pages).
        var journal = Path.Combine(cluster["h2"].DataDir, "journal.db");
        var garbage = new byte[64 * 1024];
        new Random(9).NextBytes(garbage);
        foreach (var file in new[] { journal, journal + "-wal" })
            if (File.Exists(file)) await File.WriteAllBytesAsync(file, garbage);

        cluster["h2"].Start();
        await cluster.WaitUntilAsync(() => Task.FromResult(!cluster["h2"].Running), TimeSpan.FromSeconds(60), "h2 to refuse its damaged journal");
        Assert.Contains($"the journal file {journal} is damaged", await File.ReadAllTextAsync(cluster["h2"].LogFile));

        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(journal + suffix)) File.Move(journal + suffix, journal + ".damaged" + suffix);
        cluster["h2"].Start();
        foreach (var vm in vms)
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync($"vms/{vm}", via: "h1")).GetProperty("state").GetString() == "duplex",
                TimeSpan.FromSeconds(120), $"{vm} duplex again after h2 came back with an empty journal");
        foreach (var vm in vms)
        {
            await AckedWrites.WriteOneAtATimeAsync(client, vm, "c", 50, acked[vm]);
            var (first, second, _) = await cluster.ReadBothReplicasAsync(vm);
            Assert.Equal(first, second);
            AckedWrites.AssertAllPresent(acked[vm], first);
        }
    }
}
