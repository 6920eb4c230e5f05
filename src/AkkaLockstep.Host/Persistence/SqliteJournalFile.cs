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
    /// Creates the file if needed, checks a file that exists and switches it to WAL. Microsoft.Data.Sqlite connection
    /// strings cannot set the journal mode, but WAL is stored in the file, so setting it once before Akka opens the
    /// file makes every later connection use it. A damaged file stops the host with a clear error and is left as it
    /// is: only the operator knows whether every VM on this host has a healthy replica elsewhere to rebuild from.
    /// </summary>
    public static void EnsureWal(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            using var connection = new SqliteConnection(ConnectionString(path));
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA quick_check;";
            if (check.ExecuteScalar() as string is var verdict && verdict != "ok") throw Damaged(path, verdict ?? "no answer");
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"SQLite refused WAL mode for {path} (journal_mode is '{mode}').");
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB)
        {
            throw Damaged(path, e.Message);
        }
    }

    private static HostRefusedException Damaged(string path, string reason) => new(
        $"the journal file {path} is damaged ({reason}); this host does not start on it. If every VM on this host has a " +
        $"healthy replica on another host, move the file aside (mv {path} {path}.damaged) and start again: this host's " +
        "replicas then start empty and are rebuilt from their peers. Otherwise keep it and restore it from a backup.");
}
