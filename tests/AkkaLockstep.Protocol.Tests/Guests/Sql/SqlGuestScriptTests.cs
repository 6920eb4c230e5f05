using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

/// <summary>Several statements in one input: a transaction sent whole.</summary>
public sealed class SqlGuestScriptTests
{
    private static SqlGuestDriver Accounts(SqlGuestOptions? options = null)
    {
        var driver = new SqlGuestDriver(options);
        driver.Ok("CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))");
        driver.Ok("CREATE TABLE history(id INTEGER PRIMARY KEY, account INTEGER, delta INTEGER, r INTEGER DEFAULT (random()), at TEXT DEFAULT CURRENT_TIMESTAMP)");
        driver.Ok("INSERT INTO accounts VALUES (1, 100), (2, 0)");
        return driver;
    }

    [Fact]
    public void A_whole_transaction_runs_in_one_input_with_a_result_per_statement()
    {
        using var driver = Accounts();
        var script = driver.Script(A, "BEGIN", "UPDATE accounts SET balance = balance - 30 WHERE id = 1",
            "SELECT balance FROM accounts WHERE id = 1", "INSERT INTO history(account, delta) VALUES (1, -30)", "COMMIT");
        Assert.Equal(["BEGIN", "UPDATE 1", "SELECT 1", "INSERT 0 1", "COMMIT"], script.Results.Select(r => r.CommandTag));
        Assert.All(script.Results, r => Assert.True(r.IsOk, r.ToString()));
        Assert.Equal(SqlValue.Integer(70), script.Results[2].Rows[0][0]);
        Assert.Equal(SqlTransactionState.InTransaction, script.Results[1].TransactionState);
        Assert.Equal(SqlTransactionState.Idle, script.Results[^1].TransactionState);
        // Nothing holds the database afterwards: another session writes at once.
        driver.Ok(B, "INSERT INTO history(account, delta) VALUES (2, 0)");
    }

    [Fact]
    public void The_first_failing_statement_stops_the_script_and_an_open_transaction_fails_as_in_postgresql()
    {
        using var driver = Accounts();
        var script = driver.Script(A, "BEGIN", "UPDATE accounts SET balance = balance - 500 WHERE id = 1", "INSERT INTO history(account, delta) VALUES (1, -500)", "COMMIT");
        Assert.Equal(2, script.Results.Count);
        Assert.Equal(SqlStatus.Error, script.Results[1].Status);
        Assert.Equal(SqlTransactionState.Failed, script.Results[1].TransactionState);
        Assert.Equal(SqlTransactionState.Idle, driver.Ok(A, "ROLLBACK").TransactionState);
        Assert.Equal(0, driver.Scalar("SELECT count(*) FROM history").AsInteger);
        Assert.Equal(100, driver.Scalar("SELECT balance FROM accounts WHERE id = 1").AsInteger);

        // Outside a transaction each statement is its own unit: what ran before the error stays.
        var loose = driver.Script(A, "INSERT INTO history(account, delta) VALUES (1, 1)", "SELEKT 1", "INSERT INTO history(account, delta) VALUES (1, 2)");
        Assert.Equal([SqlStatus.Ok, SqlStatus.Error], loose.Results.Select(r => r.Status));
        Assert.Equal(1, driver.Scalar("SELECT count(*) FROM history").AsInteger);
    }

    [Fact]
    public void A_script_is_busy_as_a_whole_while_another_session_holds_the_database_and_runs_nothing()
    {
        using var driver = Accounts();
        driver.Ok(B, "BEGIN");
        var script = driver.Script(A, "INSERT INTO history(account, delta) VALUES (1, 1)", "COMMIT");
        Assert.True(script.IsBusy);
        Assert.Equal(SqlStates.LockNotAvailable, Assert.Single(script.Results).ErrorCode);
        driver.Ok(B, "COMMIT");
        Assert.Equal(0, driver.Scalar("SELECT count(*) FROM history").AsInteger);
    }

    [Fact]
    public void Two_replicas_given_the_same_script_input_end_identical_with_time_and_randomness_from_the_input()
    {
        using var first = Accounts();
        using var second = Accounts();
        string[] statements = ["INSERT INTO history(account, delta) VALUES (1, 1)", "INSERT INTO history(account, delta) VALUES (1, 2)",
            "SELECT random(), hex(randomblob(8)), datetime('now')"];
        var a = first.Script(A, statements);
        var b = second.Script(A, statements);
        Assert.Equal(first.LastOutput, second.LastOutput);
        Assert.Equal(first.Guest.Digest(), second.Guest.Digest());
        // Each statement draws its own random values: the two rows' defaults differ.
        var rows = first.Ok("SELECT r FROM history ORDER BY id").Rows;
        Assert.NotEqual(rows[0][0], rows[1][0]);
        Assert.Equal(a.Results[2].Rows[0][2], SqlValue.Text("2001-09-09 01:46:40"));
    }

    [Fact]
    public void A_script_that_leaves_its_transaction_open_is_snapshotted_and_replayed_exactly()
    {
        using var original = Accounts(new SqlGuestOptions { TransactionTimeoutMs = 10_000 });
        // Committed work, then a transaction left open with random defaults and a random() in it.
        original.Script(A, "INSERT INTO history(account, delta) VALUES (2, 5)", "BEGIN", "INSERT INTO history(account, delta) VALUES (1, 1)",
            "UPDATE accounts SET balance = balance + abs(random() % 1000) WHERE id = 2");
        Assert.Equal(A, original.Guest.TransactionOwner);
        using var copy = new SqlGuestDriver(new SqlGuestOptions { TransactionTimeoutMs = 10_000 });
        copy.Guest.Restore(original.Guest.Snapshot());
        copy.FollowOn(original);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        foreach (var driver in new[] { original, copy }) driver.Ok(A, "COMMIT");
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        // The statement before BEGIN was committed once, not replayed into the transaction again.
        Assert.Equal(1, copy.Scalar("SELECT count(*) FROM history WHERE account = 2").AsInteger);
        Assert.Equal(original.Ok("SELECT * FROM accounts").Rows, copy.Ok("SELECT * FROM accounts").Rows);
    }

    [Fact]
    public void Malformed_scripts_are_refused_as_protocol_errors()
    {
        using var driver = Accounts();
        var good = SqlCommand.Script([SqlCommand.Execute("SELECT 1"), SqlCommand.Execute("SELECT 2")]).Encode();
        Assert.True(SqlCommand.TryDecode(good, out var decoded, out _));
        Assert.Equal(2, decoded!.Statements.Count);
        byte[][] bad = [good[..^1], [.. good, 0], [SqlCommand.Version, (byte)SqlCommandKind.Script, 0], [SqlCommand.Version, (byte)SqlCommandKind.Script, 0xff, 0xff, 0xff, 0x7f]];
        foreach (var bytes in bad)
        {
            var result = SqlResult.Decode(driver.ApplyRaw(A, bytes));
            Assert.Equal(SqlStates.ProtocolViolation, result.ErrorCode);
        }
        Assert.Throws<ArgumentException>(() => SqlCommand.Script([]));
        Assert.Throws<ArgumentException>(() => SqlCommand.Script([SqlCommand.Close()]));
    }

    [Fact]
    public void A_scripts_results_share_one_output_limit_and_a_statement_over_it_fails_the_same_after_a_snapshot()
    {
        var options = new SqlGuestOptions { MaxResultBytes = 3000, TransactionTimeoutMs = 10_000 };
        using var original = Accounts(options);
        // Each SELECT alone fits; the second does not fit in what the first left, and fails the open transaction.
        var script = original.Script(A, "BEGIN", "SELECT zeroblob(1800)", "SELECT zeroblob(1800)", "COMMIT");
        Assert.Equal(3, script.Results.Count);
        Assert.Equal(SqlStates.ProgramLimitExceeded, script.Results[2].ErrorCode);
        Assert.Equal(SqlTransactionState.Failed, script.Results[2].TransactionState);
        Assert.True(script.Encode().Length < options.MaxResultBytes + 100);
        Assert.True(original.Run(A, "SELECT zeroblob(1800)").Status == SqlStatus.Error, "the failed transaction took a statement");

        using var copy = new SqlGuestDriver(options);
        copy.Guest.Restore(original.Guest.Snapshot());
        copy.FollowOn(original);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
        Assert.Equal(SqlTransactionState.Failed, copy.Run(A, "SELECT 1").TransactionState);
        foreach (var driver in new[] { original, copy }) Assert.Equal("ROLLBACK", driver.Ok(A, "COMMIT").CommandTag);
        Assert.Equal(original.Guest.Digest(), copy.Guest.Digest());
    }
}
