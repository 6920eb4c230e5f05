using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Host.Tests.Persistence;
using AkkaLockstep.Integration.Tests.Harness;
using Npgsql;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests;

/// <summary>
/// The whole cluster journaling to PostgreSQL (one database per member on one real PostgreSQL 15 server):
/// acknowledged writes survive SIGKILL of every process, and the journal really lives in PostgreSQL.
/// </summary>
public sealed class PostgresJournalTests(PostgresServerFixture server, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>
{
    private static readonly string[] MemberNames = ["witness", "h1", "h2"];

    [Fact]
    public async Task Acknowledged_writes_survive_sigkill_of_every_process_with_journals_in_postgres()
    {
        var watch = Stopwatch.StartNew();
        var databases = await CreateDatabasesAsync("pgkill");
        await using var cluster = new LocalCluster(postgresFor: name => databases[name]);
        await cluster.StartAsync();
        await cluster.ProtectAsync("pgkv");

        var acked = new ConcurrentDictionary<string, byte[]>();
        await using (var client = cluster.NewClient())
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(s => Task.Run(async () =>
            {
                var session = client.OpenKvSession("pgkv");
                for (var i = 0; i < 125; i++)
                {
                    var key = $"s{s}-k{i}";
                    var value = BitConverter.GetBytes(s * 1000 + i);
                    await session.PutAsync(key, value);
                    acked[key] = value;
                }
            })));
        }
        Assert.Equal(1000, acked.Count);
        output.WriteLine($"{acked.Count} writes acknowledged at {watch.Elapsed.TotalSeconds:F1}s");

        // The journal is in PostgreSQL, not in a SQLite file beside the data.
        foreach (var name in MemberNames)
        {
            Assert.True(await CountJournalRowsAsync(databases[name]) > 0, $"no journal rows in the database of {name}");
            Assert.False(File.Exists(Path.Combine(cluster[name].DataDir, "journal.db")), $"{name} wrote a SQLite journal");
        }
        var replicaRows = await CountJournalRowsAsync(databases["h1"], "replica|pgkv|h1");
        output.WriteLine($"h1 journal rows for its replica of pgkv: {replicaRows}");
        Assert.True(replicaRows > 0);

        cluster.KillAll();
        await cluster.StartAsync();
        await cluster.WaitUntilAsync(async () => (await cluster.GetJsonAsync("vms/pgkv")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(60), "pgkv duplex after restart");
        output.WriteLine($"duplex again at {watch.Elapsed.TotalSeconds:F1}s");
        var (first, second, applied) = await cluster.ReadBothReplicasAsync("pgkv");
        Assert.Equal(first, second);
        Assert.True(applied >= 1000, $"applied index {applied} < 1000");
        AckedWrites.AssertAllPresent(acked, first);
        var state = new KvGuest();
        state.Restore(first);
        Assert.Equal(acked.Count, state.Count);

        // And the recovered pair keeps serving.
        await using var after = cluster.NewClient(TimeSpan.FromSeconds(20));
        var session = after.OpenKvSession("pgkv");
        await session.PutAsync("after-restart", [1]);
        Assert.Equal(new byte[] { 1 }, await session.GetAsync("after-restart"));
        Assert.Equal(BitConverter.GetBytes(7 * 1000 + 124), await session.GetAsync("s7-k124"));
        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s");
    }

    /// <summary>One fresh database per member (prefix_witness, prefix_h1, ...) so journals never collide.</summary>
    private async Task<Dictionary<string, string>> CreateDatabasesAsync(string prefix)
    {
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        var result = new Dictionary<string, string>();
        foreach (var name in MemberNames)
        {
            var database = $"{prefix}_{name}";
            await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database}", connection)) await drop.ExecuteNonQueryAsync();
            await using (var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection)) await create.ExecuteNonQueryAsync();
            result[name] = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ConnectionString;
        }
        return result;
    }

    private static async Task<long> CountJournalRowsAsync(string connectionString, string? persistenceId = null)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            persistenceId is null ? "SELECT count(*) FROM journal" : "SELECT count(*) FROM journal WHERE persistence_id = @id", connection);
        if (persistenceId is not null) command.Parameters.AddWithValue("id", persistenceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
