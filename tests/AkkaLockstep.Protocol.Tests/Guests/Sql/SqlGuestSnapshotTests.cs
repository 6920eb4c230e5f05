using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

public sealed class SqlGuestSnapshotTests
{
    private static void Populate(SqlGuestDriver driver)
    {
        driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT, r INTEGER DEFAULT (random()))");
        driver.Ok("CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID");
        driver.Ok("CREATE INDEX t_v ON t(v)");
        driver.Ok("CREATE VIRTUAL TABLE docs USING fts5(body)");
        driver.Ok("INSERT INTO t(v) VALUES ('a'), ('b'), (NULL)");
        driver.Ok("INSERT INTO kv VALUES ('x', x'00'), ('y', randomblob(4))");
        driver.Ok("INSERT INTO docs VALUES ('the quick brown fox'), ('lazy dogs')");
        driver.Ok("PRAGMA user_version = 3");
        driver.Ok("DELETE FROM t WHERE v = 'a'");
    }

    [Fact]
    public void Snapshot_restore_round_trips_with_equal_digests_and_equal_future_outputs()
    {
        using var original = new SqlGuestDriver();
        Populate(original);
        using var copy = new SqlGuestDriver();
        copy.Guest.Restore(original.Guest.Snapshot());
        copy.FollowOn(original);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        Assert.Equal(original.Guest.Snapshot(), copy.Guest.Snapshot());

        foreach (var sql in new[]
                 {
                     "SELECT * FROM t", "SELECT * FROM kv", "SELECT rowid, * FROM docs WHERE docs MATCH 'fox'",
                     "INSERT INTO t(v) VALUES ('c') RETURNING *", "PRAGMA user_version", "SELECT * FROM sqlite_sequence",
                 })
        {
            original.Run(sql);
            copy.Run(sql);
            Assert.Equal(original.LastOutput, copy.LastOutput);
        }
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());

        copy.Ok("UPDATE kv SET v = x'01' WHERE k = 'x'");
        Assert.NotEqual(original.Guest.Digest(), copy.Guest.Digest());
        original.Ok("UPDATE kv SET v = x'01' WHERE k = 'x'");
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        copy.Ok("PRAGMA user_version = 4");
        Assert.NotEqual(original.Guest.Digest(), copy.Guest.Digest());
    }

    [Fact]
    public void A_snapshot_taken_inside_a_transaction_keeps_it_open_and_still_able_to_roll_back()
    {
        using var original = new SqlGuestDriver(new SqlGuestOptions { TransactionTimeoutMs = 10_000 });
        Populate(original);
        var committedRows = original.Ok("SELECT * FROM t ORDER BY id").Rows;
        original.Ok(B, "BEGIN");
        original.Ok(B, "INSERT INTO t(v) VALUES ('in tx')");
        original.Ok(B, "SELECT count(*) FROM t"); // read-only: not needed to rebuild the transaction
        original.NowMs += 4_000;
        original.Ok(B, "SAVEPOINT s");
        original.Ok(B, "UPDATE t SET v = upper(v)");
        Assert.False(original.Run(B, "INSERT INTO t(id) VALUES (2)").IsOk); // id 2 exists: the transaction fails
        var digestInTransaction = original.Guest.Digest();

        var snapshot = original.Guest.Snapshot();
        Assert.Equal(digestInTransaction, original.Guest.Digest()); // taking it left the live guest as it was

        using var copy = new SqlGuestDriver(new SqlGuestOptions { TransactionTimeoutMs = 10_000 });
        copy.Guest.Restore(snapshot);
        copy.FollowOn(original);
        Assert.Equal(digestInTransaction, copy.Guest.Digest());
        Assert.Equal(B, copy.Guest.TransactionOwner);

        foreach (var driver in new[] { original, copy })
        {
            Assert.Equal(SqlStatus.Busy, driver.Run(A, "SELECT 1").Status);
            Assert.Equal(SqlStates.InFailedSqlTransaction, driver.Run(B, "SELECT 1").ErrorCode);
            Assert.Equal(SqlTransactionState.InTransaction, driver.Ok(B, "ROLLBACK TO s").TransactionState);
            driver.Ok(B, "SELECT v FROM t ORDER BY id");
        }
        Assert.Equal(original.LastOutput, copy.LastOutput);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());

        // The idle timeout carries over: 10 s after B's last input, both roll back at the same input.
        original.NowMs = copy.NowMs = original.NowMs + 10_000;
        foreach (var driver in new[] { original, copy }) driver.Ok(A, "SELECT count(*) FROM t");
        Assert.Equal(original.LastOutput, copy.LastOutput);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        Assert.Equal(committedRows, copy.Ok("SELECT * FROM t ORDER BY id").Rows);
        Assert.Equal(SqlStates.IdleInTransactionTimeout, copy.Run(B, "COMMIT").ErrorCode);
    }

    [Fact]
    public void Snapshot_of_a_transaction_then_commit_matches_the_original()
    {
        using var original = new SqlGuestDriver();
        Populate(original);
        original.Ok(A, "BEGIN");
        original.Ok(A, "INSERT INTO kv VALUES ('z', randomblob(8))");
        using var copy = new SqlGuestDriver();
        copy.Guest.Restore(original.Guest.Snapshot());
        copy.FollowOn(original);
        foreach (var driver in new[] { original, copy })
        {
            driver.Ok(A, "COMMIT");
            driver.Ok(B, "SELECT * FROM kv");
        }
        Assert.Equal(original.LastOutput, copy.LastOutput);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
    }

    [Fact]
    public void Corrupt_snapshots_are_refused()
    {
        using var original = new SqlGuestDriver();
        Populate(original);
        var snapshot = original.Guest.Snapshot();
        using var target = new SqlGuestDriver();
        Assert.Throws<InvalidDataException>(() => target.Guest.Restore([]));
        Assert.Throws<InvalidDataException>(() => target.Guest.Restore("SQLG"u8.ToArray().Append((byte)9).ToArray()));
        Assert.Throws<InvalidDataException>(() => target.Guest.Restore(snapshot[..^1]));
        Assert.Throws<InvalidDataException>(() => target.Guest.Restore(snapshot.Append((byte)0).ToArray()));
        var garbled = snapshot.ToArray();
        for (var i = 40; i < 140; i++) garbled[i] ^= 0x5a; // inside the database image's header
        Assert.Throws<InvalidDataException>(() => target.Guest.Restore(garbled));
        // A good snapshot still restores afterwards.
        target.Guest.Restore(snapshot);
        Assert.Equal(original.Guest.Digest(), target.Guest.Digest());
    }
}
