using Microsoft.Data.Sqlite;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>
/// A stand-in backend for testing the gateway alone: one private in-memory SQLite database per name, local and
/// not replicated. Sessions of a database take turns on its single connection; a session in a transaction keeps
/// its turn until the transaction ends, which is how a single-threaded SQL guest behaves.
/// </summary>
internal sealed class SqliteTestBackend : IPgBackend, IDisposable
{
    readonly Dictionary<string, SqliteTestDatabase> _databases;
    int _openSessions;

    public SqliteTestBackend(params string[] databaseNames) =>
        _databases = databaseNames.ToDictionary(name => name, _ => new SqliteTestDatabase());

    public int OpenSessions => Volatile.Read(ref _openSessions);

    /// <summary>Completed each time a session starts waiting in pg_sleep, so a test can cancel it at the right moment.</summary>
    public SemaphoreSlim SleepStarted { get; } = new(0);

    public ValueTask<IPgSession?> OpenSessionAsync(string database, string user, CancellationToken cancellationToken)
    {
        if (!_databases.TryGetValue(database, out var db))
            throw new PgException(PgSqlState.InvalidCatalogName, $"database \"{database}\" does not exist");
        Interlocked.Increment(ref _openSessions);
        return ValueTask.FromResult<IPgSession?>(new SqliteTestSession(db, this));
    }

    internal void SessionClosed() => Interlocked.Decrement(ref _openSessions);

    public void Dispose()
    {
        foreach (var database in _databases.Values)
            database.Dispose();
    }
}

internal sealed class SqliteTestDatabase : IDisposable
{
    public SqliteTestDatabase()
    {
        Connection = new SqliteConnection("Data Source=:memory:");
        Connection.Open();
    }

    public SqliteConnection Connection { get; }

    /// <summary>Whose turn it is on <see cref="Connection"/>.</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);

    public void Dispose()
    {
        Connection.Dispose();
        Turn.Dispose();
    }
}
