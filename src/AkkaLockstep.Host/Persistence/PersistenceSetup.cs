using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
// Akka.Persistence.Hosting has unrelated classes with the same names (for the old Sql.Common plugins).
using SqlJournalOptions = Akka.Persistence.Sql.Hosting.SqlJournalOptions;
using SqlSnapshotOptions = Akka.Persistence.Sql.Hosting.SqlSnapshotOptions;

namespace AkkaLockstep.Host.Persistence;

public static class PersistenceSetup
{
    public const string SqliteProvider = ProviderName.SQLiteMS;
    public const string PostgresProvider = ProviderName.PostgreSQL15;

    /// <summary>
    /// Makes Akka.Persistence.Sql the default journal and snapshot store: PostgreSQL when
    /// <paramref name="postgresConnectionString"/> is given, otherwise the SQLite file
    /// <c>dataDir/journal.db</c> in WAL mode, created and switched to WAL right here, before Akka starts.
    /// </summary>
    public static AkkaConfigurationBuilder AddLockstepPersistence(
        this AkkaConfigurationBuilder builder,
        string dataDir,
        string? postgresConnectionString = null,
        SqliteSynchronous sqliteSynchronous = SqliteSynchronous.Normal)
    {
        var useSqlite = string.IsNullOrWhiteSpace(postgresConnectionString);
        var (connectionString, provider, dataOptions) = useSqlite
            ? Sqlite(dataDir, sqliteSynchronous)
            : (postgresConnectionString!, PostgresProvider, null);

        // Connection string and provider are set even beside DataOptions (which then wins for
        // connecting): the plugin still reads provider-name from HOCON for provider-specific behaviour.
        var journal = new SqlJournalOptions(isDefaultPlugin: true)
        {
            ConnectionString = connectionString,
            ProviderName = provider,
            DataOptions = dataOptions,
            AutoInitialize = true,
        };
        var snapshots = new SqlSnapshotOptions(isDefaultPlugin: true)
        {
            ConnectionString = connectionString,
            ProviderName = provider,
            DataOptions = dataOptions,
            AutoInitialize = true,
        };

        return builder
            .WithSqlPersistence(journal, snapshots)
            .AddHocon(JournalTuning.Hocon(journal.PluginId, singleWriter: useSqlite), HoconAddMode.Prepend);
    }

    private static (string ConnectionString, string Provider, DataOptions DataOptions) Sqlite(
        string dataDir, SqliteSynchronous synchronous)
    {
        var path = Path.Combine(dataDir, SqliteJournalFile.FileName);
        SqliteJournalFile.EnsureWal(path);
        var connectionString = SqliteJournalFile.ConnectionString(path);
        var dataOptions = new DataOptions()
            .UseConnectionString(SqliteProvider, connectionString)
            .UseInterceptor(new SqliteSynchronousInterceptor(synchronous));
        return (connectionString, SqliteProvider, dataOptions);
    }
}
