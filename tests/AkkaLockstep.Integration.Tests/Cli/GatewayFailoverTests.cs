using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Cli;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Integration.Tests.Harness;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// DESIGN "Clients": a PostgreSQL session connected to a standalone gateway survives the loss of any host. Npgsql
/// sessions stream inserts through `lockstep gateway` (connected to both hosts) while the host holding the sql VM's
/// primary is SIGKILLed; no session sees an error, every acknowledged insert is there exactly once, and once the host
/// is back the two replicas are identical.
/// </summary>
public sealed class GatewayFailoverTests(ITestOutputHelper output)
{
    private const string User = "app";
    private const string Password = "failover-pw";

    [Fact]
    public async Task Killing_the_primary_host_mid_stream_loses_and_doubles_no_acknowledged_insert()
    {
        await using var cluster = await SqlCluster.UpAsync();
        await cluster.ProtectSqlAsync("db");
        using var gateway = await GatewayProcess.StartAsync(cluster.ClientEndpoints, User, Password);
        var connectionString = $"Host=127.0.0.1;Port={gateway.Port};Username={User};Password={Password};Database=db;Pooling=false;Timeout=20;Command Timeout=60";

        await using (var setup = new NpgsqlConnection(connectionString))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE acks(session INTEGER NOT NULL, n INTEGER NOT NULL)", setup);
            await create.ExecuteNonQueryAsync();
        }

        var acked = new ConcurrentQueue<(int Session, long N)>();
        var errors = new ConcurrentQueue<string>();
        var sinceAck = Stopwatch.StartNew();
        var maxStallMs = 0.0;
        var gate = new object();
        void Ack(int session, long n)
        {
            acked.Enqueue((session, n));
            lock (gate)
            {
                maxStallMs = Math.Max(maxStallMs, sinceAck.Elapsed.TotalMilliseconds);
                sinceAck.Restart();
            }
        }

        using var stop = new CancellationTokenSource();
        // Prepared statements, unprepared ones (Describe of the portal runs them) and two-insert transactions.
        var sessions = new[]
        {
            Task.Run(() => PreparedInsertsAsync(0)), Task.Run(() => PreparedInsertsAsync(1)),
            Task.Run(UnpreparedInsertsAsync), Task.Run(TransactionsAsync),
        };

        await WaitUntilAsync(() => acked.Count >= 150, TimeSpan.FromSeconds(60), "150 inserts before the kill");
        var access = await LocalClusterAccess.EnsureUpAsync(
            new CliContext(new CliEnvironment(v => cluster.Cli.Environment.GetValueOrDefault(v), cluster.Cli.StateDirectory), TextWriter.Null, TextWriter.Null),
            CancellationToken.None);
        // On a loaded machine a missed heartbeat may have failed the pair over already (safe, but then the old
        // secondary is stale and killing the primary leaves nobody to serve): kill the primary of a duplex pair.
        await cluster.WaitForStateAsync("db", "duplex");
        var primary = (await cluster.ShowAsync("db", survivorEndpoint: cluster.AliveHostEndpoint())).GetProperty("primary").GetString()!;
        var survivor = primary == "h1" ? "h2" : "h1";
        lock (gate) maxStallMs = 0;
        var beforeKill = acked.Count;
        await access.KillAsync(primary, CancellationToken.None);
        await WaitUntilAsync(() => acked.Count >= beforeKill + 150, TimeSpan.FromSeconds(60), "150 inserts after the kill");
        double stallAroundKill;
        lock (gate) stallAroundKill = maxStallMs;
        var during = await cluster.ShowAsync("db", survivorEndpoint: cluster.Member(survivor).CommandEndpoint);
        Assert.Equal((survivor, "simplex"), (during.GetProperty("primary").GetString(), during.GetProperty("state").GetString()));

        access.Restart(primary);
        await cluster.WaitForStateAsync("db", "duplex");
        await stop.CancelAsync();
        await Task.WhenAll(sessions);
        output.WriteLine($"{acked.Count} inserts acknowledged ({acked.Count - beforeKill} after the kill); longest stall around the kill {stallAroundKill:0} ms");

        Assert.Empty(errors);
        await using (var check = new NpgsqlConnection(connectionString))
        {
            await check.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT session, n FROM acks", check);
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<(int, long)>();
            while (await reader.ReadAsync()) rows.Add(((int)reader.GetInt64(0), reader.GetInt64(1)));
            Assert.Equal(acked.Count, rows.Count);
            Assert.Equal(acked.OrderBy(a => a).ToList(), rows.OrderBy(r => r).ToList());
        }
        await cluster.AssertReplicasIdenticalAsync("db");
        Assert.True(stallAroundKill < 10_000, $"sessions stalled {stallAroundKill:0} ms");

        async Task PreparedInsertsAsync(int session)
        {
            await RunSessionAsync(session, async connection =>
            {
                await using var insert = new NpgsqlCommand("INSERT INTO acks(session, n) VALUES ($1, $2)", connection);
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = session });
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint });
                await insert.PrepareAsync();
                for (long n = 1; !stop.IsCancellationRequested; n++)
                {
                    insert.Parameters[1].Value = n;
                    await insert.ExecuteNonQueryAsync();
                    Ack(session, n);
                }
            });
        }

        async Task UnpreparedInsertsAsync()
        {
            const int session = 2;
            await RunSessionAsync(session, async connection =>
            {
                for (long n = 1; !stop.IsCancellationRequested; n++)
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO acks(session, n) VALUES ($1, $2)", connection);
                    insert.Parameters.AddWithValue(session);
                    insert.Parameters.AddWithValue(n);
                    await insert.ExecuteNonQueryAsync();
                    Ack(session, n);
                }
            });
        }

        async Task TransactionsAsync()
        {
            const int session = 3;
            await RunSessionAsync(session, async connection =>
            {
                for (long n = 1; !stop.IsCancellationRequested; n += 2)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    foreach (var value in new[] { n, n + 1 })
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO acks(session, n) VALUES ($1, $2)", connection, transaction);
                        insert.Parameters.AddWithValue(session);
                        insert.Parameters.AddWithValue(value);
                        await insert.ExecuteNonQueryAsync();
                    }
                    await transaction.CommitAsync();
                    Ack(session, n);
                    Ack(session, n + 1);
                }
            });
        }

        async Task RunSessionAsync(int session, Func<NpgsqlConnection, Task> work)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await work(connection);
            }
            catch (Exception e)
            {
                errors.Enqueue($"session {session}: {e.GetType().Name}: {e.Message}");
            }
        }

        async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (!errors.IsEmpty) Assert.Fail($"a session failed while waiting for {what}: {string.Join("; ", errors)}\ngateway: {gateway.Output}\n{cluster.LogTails()}");
                if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what} ({acked.Count} acknowledged); gateway: {gateway.Output}\n{cluster.LogTails()}");
                await Task.Delay(100);
            }
        }
    }
}
