using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

public sealed class SqlGuestTransactionTests
{
    private static SqlGuestDriver WithTable(SqlGuestOptions? options = null)
    {
        var driver = new SqlGuestDriver(options);
        driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        driver.Ok("INSERT INTO t VALUES (1, 'one')");
        return driver;
    }

    private static long Count(SqlGuestDriver driver, Guid session) =>
        Assert.Single(Assert.Single(driver.Ok(session, "SELECT count(*) FROM t").Rows)).AsInteger;

    [Fact]
    public void Other_sessions_are_busy_while_a_transaction_is_open_and_commit_publishes_its_changes()
    {
        using var driver = WithTable();
        var begin = driver.Ok(A, "BEGIN");
        Assert.Equal(("BEGIN", SqlTransactionState.InTransaction), (begin.CommandTag, begin.TransactionState));
        var insert = driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        Assert.Equal(SqlTransactionState.InTransaction, insert.TransactionState);
        Assert.Equal(A, driver.Guest.TransactionOwner);

        var digest = driver.Guest.Digest();
        foreach (var sql in new[] { "SELECT * FROM t", "INSERT INTO t VALUES (3, 'three')", "BEGIN", "COMMIT", "ROLLBACK" })
        {
            var busy = driver.Run(B, sql);
            Assert.Equal(SqlStatus.Busy, busy.Status);
            Assert.Equal(SqlStates.LockNotAvailable, busy.ErrorCode);
            Assert.Equal(SqlTransactionState.Idle, busy.TransactionState);
        }
        Assert.Equal(digest, driver.Guest.Digest());

        Assert.Equal(2, Count(driver, A)); // the owner sees its own changes
        var commit = driver.Ok(A, "COMMIT");
        Assert.Equal(("COMMIT", SqlTransactionState.Idle), (commit.CommandTag, commit.TransactionState));
        Assert.Null(driver.Guest.TransactionOwner);
        Assert.Equal(2, Count(driver, B));
        driver.Ok(B, "INSERT INTO t VALUES (3, 'three')");
    }

    [Fact]
    public void Rollback_and_close_discard_the_transaction()
    {
        using var driver = WithTable();
        var before = driver.Guest.Digest();
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        driver.Ok(A, "UPDATE t SET v = 'uno'");
        var rollback = driver.Ok(A, "ROLLBACK");
        Assert.Equal(("ROLLBACK", SqlTransactionState.Idle), (rollback.CommandTag, rollback.TransactionState));
        Assert.Equal(before, driver.Guest.Digest());

        driver.Ok(B, "BEGIN TRANSACTION");
        driver.Ok(B, "DELETE FROM t");
        Assert.Equal(SqlStatus.Busy, driver.Run(A, "SELECT 1").Status);
        // Another session's Close is not blocked and does not touch B's transaction.
        Assert.True(driver.Close(C).IsOk);
        Assert.Equal(B, driver.Guest.TransactionOwner);
        var close = driver.Close(B);
        Assert.Equal(("CLOSE", SqlTransactionState.Idle), (close.CommandTag, close.TransactionState));
        Assert.Null(driver.Guest.TransactionOwner);
        Assert.Equal(1, Count(driver, A));
        Assert.Equal(before, driver.Guest.Digest());
    }

    [Fact]
    public void An_idle_transaction_is_rolled_back_by_the_next_input_after_the_timeout_of_input_time()
    {
        using var driver = WithTable(new SqlGuestOptions { TransactionTimeoutMs = 10_000 });
        var start = driver.NowMs;
        driver.Ok(A, "BEGIN");
        driver.NowMs = start + 6_000;
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')"); // activity: the timeout counts from here

        driver.NowMs = start + 15_999;
        Assert.Equal(SqlStatus.Busy, driver.Run(B, "SELECT 1").Status); // 9.999 s idle: still open
        driver.NowMs = start + 16_000;
        var b = driver.Ok(B, "SELECT count(*) FROM t"); // 10 s idle: rolled back first, then B runs
        Assert.Equal(1, b.Rows[0][0].AsInteger);
        Assert.Null(driver.Guest.TransactionOwner);

        // The owner learns once, and its statement is not run outside the transaction it meant.
        var late = driver.Run(A, "INSERT INTO t VALUES (3, 'three')");
        Assert.Equal(SqlStatus.Error, late.Status);
        Assert.Equal(SqlStates.IdleInTransactionTimeout, late.ErrorCode);
        Assert.Equal(SqlTransactionState.Idle, late.TransactionState);
        Assert.Equal(1, Count(driver, A));
        Assert.True(driver.Ok(A, "COMMIT").IsOk); // no transaction: a no-op, as in PostgreSQL
    }

    [Fact]
    public void The_owner_itself_coming_back_after_the_timeout_gets_the_timeout_error()
    {
        using var driver = WithTable(new SqlGuestOptions { TransactionTimeoutMs = 1_000 });
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "DELETE FROM t");
        driver.NowMs += 1_000;
        Assert.Equal(SqlStates.IdleInTransactionTimeout, driver.Run(A, "COMMIT").ErrorCode);
        Assert.Equal(1, Count(driver, A));
        // Closing forgets the pending notice too.
        driver.Ok(A, "BEGIN");
        driver.NowMs += 5_000;
        Assert.True(driver.Close(B).IsOk); // B's input expires A's transaction
        Assert.True(driver.Close(A).IsOk);
        Assert.True(driver.Run(A, "SELECT 1").IsOk);
    }

    [Fact]
    public void A_failed_statement_aborts_the_transaction_until_rollback_like_postgresql()
    {
        using var driver = WithTable();
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        var duplicate = driver.Run(A, "INSERT INTO t VALUES (2, 'again')");
        Assert.Equal((SqlStates.UniqueViolation, SqlTransactionState.Failed), (duplicate.ErrorCode, duplicate.TransactionState));

        var ignored = driver.Run(A, "SELECT 1");
        Assert.Equal((SqlStates.InFailedSqlTransaction, SqlTransactionState.Failed), (ignored.ErrorCode, ignored.TransactionState));
        Assert.Equal(SqlStatus.Busy, driver.Run(B, "SELECT 1").Status);

        // COMMIT of a failed transaction rolls back.
        var commit = driver.Ok(A, "COMMIT");
        Assert.Equal(("ROLLBACK", SqlTransactionState.Idle), (commit.CommandTag, commit.TransactionState));
        Assert.Equal(1, Count(driver, B));
    }

    [Fact]
    public void Rollback_to_a_savepoint_recovers_a_failed_transaction()
    {
        using var driver = WithTable();
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        Assert.Equal("SAVEPOINT", driver.Ok(A, "SAVEPOINT s1").CommandTag);
        driver.Ok(A, "INSERT INTO t VALUES (3, 'three')");
        Assert.Equal(SqlStates.NotNullViolation, driver.Run(A, "INSERT INTO t VALUES (4, NULL)").ErrorCode);
        var recovered = driver.Ok(A, "ROLLBACK TO SAVEPOINT s1");
        Assert.Equal(("ROLLBACK", SqlTransactionState.InTransaction), (recovered.CommandTag, recovered.TransactionState));
        Assert.Equal("RELEASE", driver.Ok(A, "RELEASE s1").CommandTag);
        driver.Ok(A, "COMMIT");
        Assert.Equal(2, Count(driver, B));

        // Savepoints belong in a transaction block.
        Assert.Equal(SqlStates.NoActiveSqlTransaction, driver.Run(A, "SAVEPOINT x").ErrorCode);
        Assert.Equal(SqlStates.NoActiveSqlTransaction, driver.Run(A, "ROLLBACK TO x").ErrorCode);
        // A missing savepoint is an error that fails the transaction.
        driver.Ok(A, "BEGIN");
        Assert.Equal(SqlStates.InvalidSavepoint, driver.Run(A, "RELEASE nope").ErrorCode);
        Assert.Equal(SqlTransactionState.Failed, driver.Run(A, "SELECT 1").TransactionState);
        driver.Ok(A, "ROLLBACK");
    }

    [Fact]
    public void Nested_begin_and_stray_commit_or_rollback_are_harmless_no_ops()
    {
        using var driver = WithTable();
        Assert.Equal(("COMMIT", SqlTransactionState.Idle), (driver.Ok(A, "COMMIT").CommandTag, driver.Ok(A, "END").TransactionState));
        Assert.Equal("ROLLBACK", driver.Ok(A, "ROLLBACK").CommandTag);
        driver.Ok(A, "BEGIN IMMEDIATE");
        Assert.Equal(SqlTransactionState.InTransaction, driver.Ok(A, "BEGIN").TransactionState);
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        driver.Ok(A, "END TRANSACTION");
        Assert.Equal(2, Count(driver, B));
    }

    [Fact]
    public void A_failed_commit_rolls_back_like_postgresql()
    {
        using var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE parent(id INTEGER PRIMARY KEY)");
        driver.Ok("CREATE TABLE child(id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO child VALUES (1, 42)"); // deferred: checked at commit
        var commit = driver.Run(A, "COMMIT");
        Assert.Equal((SqlStates.ForeignKeyViolation, SqlTransactionState.Idle), (commit.ErrorCode, commit.TransactionState));
        Assert.Null(driver.Guest.TransactionOwner);
        Assert.Equal(0, driver.Scalar("SELECT count(*) FROM child").AsInteger);

        // The same in autocommit: the statement's own transaction fails at commit and changes nothing.
        var digest = driver.Guest.Digest();
        Assert.Equal(SqlStates.ForeignKeyViolation, driver.Run(A, "INSERT INTO child VALUES (2, 43)").ErrorCode);
        Assert.Equal(digest, driver.Guest.Digest());
    }

    [Fact]
    public void Errors_outside_a_transaction_change_nothing_even_with_or_fail()
    {
        using var driver = WithTable();
        driver.Ok("CREATE TABLE u(x INTEGER UNIQUE)");
        driver.Ok("INSERT INTO u VALUES (5)");
        var digest = driver.Guest.Digest();
        // OR FAIL keeps the rows inserted before the failing one in SQLite; the guest rolls the statement back whole.
        var result = driver.Run("INSERT OR FAIL INTO u VALUES (1), (2), (5), (6)");
        Assert.Equal(SqlStates.UniqueViolation, result.ErrorCode);
        Assert.Equal(digest, driver.Guest.Digest());
        Assert.Equal(1, driver.Scalar("SELECT count(*) FROM u").AsInteger);
        // OR ROLLBACK in autocommit, and a trigger's RAISE.
        Assert.False(driver.Run("INSERT OR ROLLBACK INTO u VALUES (7), (5)").IsOk);
        driver.Ok("CREATE TRIGGER no_nines BEFORE INSERT ON u WHEN new.x = 9 BEGIN SELECT RAISE(FAIL, 'no nines'); END");
        digest = driver.Guest.Digest();
        var raised = driver.Run("INSERT INTO u VALUES (8), (9)");
        Assert.Equal((SqlStates.RaiseException, "no nines"), (raised.ErrorCode, raised.ErrorMessage));
        Assert.Equal(digest, driver.Guest.Digest());
    }

    [Fact]
    public void Or_rollback_inside_a_transaction_leaves_it_failed_until_rollback()
    {
        using var driver = WithTable();
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO t VALUES (2, 'two')");
        Assert.Equal(SqlTransactionState.Failed, driver.Run(A, "INSERT OR ROLLBACK INTO t VALUES (1, 'dup')").TransactionState);
        // SQLite has already rolled back; the session still has to say so.
        Assert.Equal(SqlStates.InFailedSqlTransaction, driver.Run(A, "SELECT 1").ErrorCode);
        Assert.Equal(SqlStates.InFailedSqlTransaction, driver.Run(A, "ROLLBACK TO sp1").ErrorCode);
        Assert.Equal(SqlStatus.Busy, driver.Run(B, "SELECT 1").Status);
        driver.Ok(A, "ROLLBACK");
        Assert.Equal(1, Count(driver, B));
    }

    [Fact]
    public void A_transaction_past_its_statement_budget_fails_and_must_roll_back()
    {
        using var driver = WithTable(new SqlGuestOptions { MaxTransactionBytes = 300 });
        driver.Ok(A, "BEGIN");
        SqlResult result;
        var id = 10;
        do result = driver.Run(A, "INSERT INTO t VALUES ($1, 'a value of some length')", id++);
        while (result.IsOk && id < 100);
        Assert.Equal((SqlStates.ProgramLimitExceeded, SqlTransactionState.Failed), (result.ErrorCode, result.TransactionState));
        Assert.InRange(id, 12, 20);
        driver.Ok(A, "ROLLBACK");
        Assert.Equal(1, Count(driver, B));
    }
}
