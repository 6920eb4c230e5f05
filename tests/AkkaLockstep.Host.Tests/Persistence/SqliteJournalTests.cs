using Akka.Persistence.Sql.Config;
using AkkaLockstep.Host.Persistence;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;

namespace AkkaLockstep.Host.Tests.Persistence;

public sealed class SqliteJournalTests : JournalRoundtripTests
{
    private const string JournalPluginId = "akka.persistence.journal.sql";

    protected override string? PostgresConnectionString => null;

    [Fact]
    public async Task Journal_file_is_created_in_wal_mode()
    {
        await using (await PersistenceHost.StartAsync(DataDir, postgresConnectionString: null))
        {
        }

        var path = Path.Combine(DataDir, SqliteJournalFile.FileName);
        await using var connection = new SqliteConnection(SqliteJournalFile.ConnectionString(path));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await command.ExecuteScalarAsync() as string);
    }

    [Theory]
    [InlineData(SqliteSynchronous.Normal, 1)]
    [InlineData(SqliteSynchronous.Full, 2)]
    public async Task Journal_connections_use_the_chosen_synchronous_mode(SqliteSynchronous synchronous, long pragmaValue)
    {
        await using var host = await PersistenceHost.StartAsync(DataDir, postgresConnectionString: null, synchronous);

        // The very DataOptions the plugin connects with.
        var setup = host.System.Settings.Setup.Get<MultiDataOptionsSetup>().Value;
        Assert.True(setup.TryGetDataOptionsFor(JournalPluginId, out var options));
        await using var connection = new DataConnection(options!);
        Assert.Equal(pragmaValue, await connection.ExecuteAsync<long>("PRAGMA synchronous;"));
    }

    [Fact]
    public async Task Sql_plugins_are_the_defaults_and_the_journal_has_one_writer()
    {
        await using var host = await PersistenceHost.StartAsync(DataDir, postgresConnectionString: null);

        var config = host.System.Settings.Config;
        Assert.Equal(JournalPluginId, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        var journal = config.GetConfig(JournalPluginId);
        Assert.Equal(PersistenceSetup.SqliteProvider, journal.GetString("provider-name"));
        Assert.Equal(1, journal.GetInt("parallelism"));
        Assert.True(journal.GetBoolean("prefer-parameters-on-multirow-insert"));
    }
}
