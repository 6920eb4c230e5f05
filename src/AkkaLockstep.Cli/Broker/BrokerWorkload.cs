using AkkaLockstep.Cli.Workload;
using Npgsql;

namespace AkkaLockstep.Cli.Broker;

/// <summary>
/// The broker experiment's load: <see cref="Clients"/> PostgreSQL client sessions running broker transactions
/// against the database behind <paramref name="database"/>, each with its own users and seed.
/// </summary>
public sealed class BrokerWorkload(NpgsqlDataSource database, int clients, int seed)
{
    private readonly List<BrokerClient> _clients = [];

    public int Clients { get; } = clients;

    public BrokerLayout Layout { get; } = BrokerLayout.For(clients);

    public BrokerCounters Counters { get; } = new();

    /// <summary>What every client was told; complete once <see cref="RunAsync"/> has finished.</summary>
    public IEnumerable<LogonRecord> Ledger => _clients.SelectMany(c => c.Ledger);

    public IEnumerable<LatencyRecorder> Latencies => _clients.Select(c => c.Latency);

    /// <summary>Creates the broker tables afresh (dropping an earlier run's) and fills in groups, desktops and users.</summary>
    public async Task CreateDatabaseAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct).ConfigureAwait(false);
        foreach (var sql in BrokerSchema.Create.Concat(BrokerSchema.Seed(Layout)))
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs every client until <paramref name="stop"/> is cancelled; each finishes its transaction in flight.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        for (var c = 0; c < Clients; c++) _clients.Add(new BrokerClient(database, c, Layout.UsersOf(c), Counters, seed + c));
        await Task.WhenAll(_clients.Select(client => Task.Run(() => client.RunAsync(stop), CancellationToken.None))).ConfigureAwait(false);
    }
}
