using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

/// <summary>Describe: the columns a statement would return, found by compiling it, never by running it.</summary>
public sealed class SqlGuestDescribeTests
{
    private static SqlGuestDriver WithTable()
    {
        var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL, price REAL, data BLOB)");
        driver.Ok("INSERT INTO t VALUES (1, 'one', 1.5, NULL)");
        return driver;
    }

    private static SqlResult Describe(SqlGuestDriver driver, Guid session, string sql) =>
        SqlResult.Decode(driver.ApplyRaw(session, SqlCommand.Describe(sql).Encode()));

    [Fact]
    public void A_query_is_described_with_column_names_and_declared_types()
    {
        using var driver = WithTable();
        var result = Describe(driver, A, "SELECT id, v AS name, price, data, count(*) AS n FROM t WHERE id > $1 GROUP BY id");
        Assert.True(result.IsOk, result.ToString());
        Assert.Equal(("DESCRIBE", SqlTransactionState.Idle), (result.CommandTag, result.TransactionState));
        Assert.Equal(
            [new("id", "INTEGER"), new("name", "TEXT"), new("price", "REAL"), new("data", "BLOB"), new("n", "")],
            result.Columns);
        Assert.Empty(result.Rows);
    }

    [Fact]
    public void Describing_a_write_runs_nothing_and_changes_nothing()
    {
        using var driver = WithTable();
        var digest = driver.Guest.Digest();
        var insert = Describe(driver, A, "INSERT INTO t(id, v) VALUES ($1, $2)");
        Assert.True(insert.IsOk, insert.ToString());
        Assert.Empty(insert.Columns);
        var returning = Describe(driver, A, "INSERT INTO t(v) VALUES ('x') RETURNING id, v");
        Assert.Equal([new("id", "INTEGER"), new("v", "TEXT")], returning.Columns);
        Assert.True(Describe(driver, A, "DELETE FROM t").IsOk);
        Assert.True(Describe(driver, A, "DROP TABLE t").IsOk);
        Assert.Equal(digest, driver.Guest.Digest());
        Assert.Equal(1, driver.Scalar("SELECT count(*) FROM t").AsInteger);
        // Nor does it move last_insert_rowid() or changes().
        Assert.Equal(1, driver.Scalar("SELECT last_insert_rowid()").AsInteger);
    }

    [Fact]
    public void Compile_errors_and_refusals_come_back_as_errors_without_failing_the_transaction()
    {
        using var driver = WithTable();
        Assert.Equal("42P01", Describe(driver, A, "SELECT * FROM missing").ErrorCode);
        Assert.Equal("42601", Describe(driver, A, "SELEC 1").ErrorCode);
        Assert.Equal("42601", Describe(driver, A, "SELECT 1; SELECT 2").ErrorCode);
        Assert.Equal(SqlStates.InsufficientPrivilege, Describe(driver, A, "ATTACH 'x.db' AS x").ErrorCode);

        driver.Ok(A, "BEGIN");
        var failed = Describe(driver, A, "SELECT nope FROM t");
        Assert.Equal(("42703", SqlTransactionState.InTransaction), (failed.ErrorCode, failed.TransactionState));
        var insert = driver.Ok(A, "INSERT INTO t(id, v) VALUES (2, 'two')");
        Assert.Equal(SqlTransactionState.InTransaction, insert.TransactionState);
        driver.Ok(A, "COMMIT");
        Assert.Equal(2, driver.Scalar("SELECT count(*) FROM t").AsInteger);
    }

    [Fact]
    public void Another_sessions_transaction_makes_describe_busy_and_the_owner_sees_its_own_schema()
    {
        using var driver = WithTable();
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "CREATE TABLE u(x INTEGER)");
        var busy = Describe(driver, B, "SELECT * FROM t");
        Assert.Equal((SqlStatus.Busy, SqlStates.LockNotAvailable), (busy.Status, busy.ErrorCode));
        var own = Describe(driver, A, "SELECT x FROM u");
        Assert.Equal([new SqlColumn("x", "INTEGER")], own.Columns);
        Assert.Equal(SqlTransactionState.InTransaction, own.TransactionState);
        driver.Ok(A, "ROLLBACK");
        Assert.Equal("42P01", Describe(driver, B, "SELECT x FROM u").ErrorCode);
    }

    [Fact]
    public void Empty_text_describes_as_no_columns()
    {
        using var driver = WithTable();
        foreach (var sql in new[] { "", " ; ", "-- nothing" })
        {
            var result = Describe(driver, A, sql);
            Assert.True(result.IsOk, result.ToString());
            Assert.Empty(result.Columns);
        }
    }
}
