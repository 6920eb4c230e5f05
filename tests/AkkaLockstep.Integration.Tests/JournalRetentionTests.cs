using System.Collections.Concurrent;
using AkkaLockstep.Integration.Tests.Harness;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// Journals are truncated at each snapshot; a replica that missed more inputs than its peer retains comes back
/// by a full copy, and everything still recovers after every process is killed.
/// </summary>
public sealed class JournalRetentionTests(ITestOutputHelper output)
{
    private const int SnapshotEvery = 200;
    private const int RetainInputs = 100;

    [Fact]
    public async Task The_journal_stays_short_and_a_replica_behind_the_retention_returns_by_full_copy_with_nothing_lost()
    {
        await using var cluster = new LocalCluster();
        foreach (var host in cluster.Hosts)
            host.ExtraArgs.AddRange(["--snapshot-every", SnapshotEvery.ToString(), "--retain-inputs", RetainInputs.ToString()]);
        await cluster.StartAsync();
        await cluster.ProtectAsync("ledger");
        var acked = new ConcurrentDictionary<string, byte[]>();
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(30)))
        {
            await AckedWrites.WriteOneAtATimeAsync(client, "ledger", "a", 800, acked);
            var primary = (await cluster.GetJsonAsync("vms/ledger")).GetProperty("primary").GetString()!;
            var secondary = primary == "h1" ? "h2" : "h1";
            cluster[secondary].Kill();
            // Far more than the primary retains: only a full copy can bring the secondary back.
            await AckedWrites.WriteOneAtATimeAsync(client, "ledger", "b", 400, acked);
            cluster[secondary].Start();
            await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/ledger", via: primary)).GetProperty("state").GetString() == "duplex",
                TimeSpan.FromSeconds(90), "duplex after the secondary's return");
            Assert.Contains("sending a full copy", await File.ReadAllTextAsync(cluster[primary].LogFile));
            await AckedWrites.WriteOneAtATimeAsync(client, "ledger", "c", 100, acked);
        }
        var (first, second, _) = await cluster.ReadBothReplicasAsync("ledger");
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);

        foreach (var host in cluster.Hosts)
        {
            var events = CountJournalRows(Path.Combine(host.DataDir, "journal.db"));
            output.WriteLine($"{host.Name}: {events} journal rows after {acked.Count} writes");
            // Each event holds a batch of inputs; without truncation there would be one row per batch since the start.
            Assert.True(events < 3 * SnapshotEvery, $"{host.Name} keeps {events} journal rows");
        }

        await cluster.KillAllAndCheckRecoveryAsync("ledger", acked);
    }

    private static long CountJournalRows(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal WHERE deleted = 0";
        return (long)command.ExecuteScalar()!;
    }
}
