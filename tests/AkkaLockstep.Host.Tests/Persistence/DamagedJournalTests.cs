using AkkaLockstep.Host.Persistence;

namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>A damaged SQLite journal file stops the host with a clear error and is left untouched.</summary>
public sealed class DamagedJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lockstep-damaged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_and_kept()
    {
        var path = Path.Combine(_dir, SqliteJournalFile.FileName);
        var garbage = new byte[8192];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);
        var refused = Assert.Throws<HostRefusedException>(() => SqliteJournalFile.EnsureWal(path));
        Assert.Contains($"the journal file {path} is damaged", refused.Message);
        Assert.Contains("move the file aside", refused.Message);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_database_with_a_damaged_page_is_refused()
    {
        var path = Path.Combine(_dir, SqliteJournalFile.FileName);
        SqliteJournalFile.EnsureWal(path);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(SqliteJournalFile.ConnectionString(path)))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) " +
                                  "INSERT INTO t SELECT randomblob(200) FROM n; CREATE INDEX tx ON t(x);";
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // Overwrite the middle of the file (table and index pages) with zeros.
        using (var file = File.OpenWrite(path))
        {
            file.Seek(file.Length / 2, SeekOrigin.Begin);
            file.Write(new byte[16384]);
        }
        var refused = Assert.Throws<HostRefusedException>(() => SqliteJournalFile.EnsureWal(path));
        Assert.Contains("is damaged", refused.Message);
    }

    [Fact]
    public void A_healthy_file_opens_again()
    {
        var path = Path.Combine(_dir, SqliteJournalFile.FileName);
        SqliteJournalFile.EnsureWal(path);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        SqliteJournalFile.EnsureWal(path);
    }
}
