using Microsoft.Data.Sqlite;

namespace AkkaLockstep.Host.Persistence;

/// <summary>The SQLite file that holds a host's journal and snapshots.</summary>
public static class SqliteJournalFile
{
    public const string FileName = "journal.db";

    /// <summary>Connection string for the journal file; pooled, so per-connection pragmas are paid once.</summary>
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
    }.ToString();

    /// <summary>
    /// Creates the file if needed and switches it to WAL. Microsoft.Data.Sqlite connection strings
    /// cannot set the journal mode, but WAL is stored in the file, so setting it once before Akka
    /// opens the file makes every later connection use it.
    /// </summary>
    public static void EnsureWal(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var connection = new SqliteConnection(ConnectionString(path));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode for {path} (journal_mode is '{mode}').");
    }
}
