using AkkaLockstep.Guests;
using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

public sealed class SqlGuestStatementTests
{
    [Fact]
    public void The_catalog_knows_the_sql_guest()
    {
        Assert.Contains("sql", GuestCatalog.Kinds);
        using var guest = Assert.IsType<SqlGuest>(GuestCatalog.Create("sql"));
        Assert.Equal("sql", guest.Kind);
    }

    [Fact]
    public void Results_carry_columns_declared_types_typed_rows_and_postgres_command_tags()
    {
        using var driver = new SqlGuestDriver();
        Assert.Equal("CREATE TABLE", driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(20), score REAL, data BLOB, misc)").CommandTag);
        var insert = driver.Ok("INSERT INTO t VALUES (1, 'a', 1.5, x'0102', NULL), (2, 'b', -0.25, x'', 7)");
        Assert.Equal(("INSERT 0 2", 2L), (insert.CommandTag, insert.RowsAffected));
        var select = driver.Ok("SELECT id, name, score, data, misc, id * 2 AS twice FROM t ORDER BY id");
        Assert.Equal("SELECT 2", select.CommandTag);
        Assert.Equal(0, select.RowsAffected);
        Assert.Equal(
            new[] { new SqlColumn("id", "INTEGER"), new SqlColumn("name", "VARCHAR(20)"), new SqlColumn("score", "REAL"),
                    new SqlColumn("data", "BLOB"), new SqlColumn("misc", ""), new SqlColumn("twice", "") },
            select.Columns);
        Assert.Equal(new[] { SqlValue.Integer(1), "a", 1.5, new byte[] { 1, 2 }, SqlValue.Null, SqlValue.Integer(2) }, select.Rows[0]);
        Assert.Equal(new[] { SqlValue.Integer(2), "b", -0.25, Array.Empty<byte>(), SqlValue.Integer(7), SqlValue.Integer(4) }, select.Rows[1]);

        Assert.Equal(("UPDATE 1", 1L), (driver.Ok("UPDATE t SET score = 0 WHERE id = 2").CommandTag, driver.Ok("UPDATE t SET score = 0 WHERE id = 2").RowsAffected));
        Assert.Equal("UPDATE 0", driver.Ok("UPDATE t SET score = 0 WHERE id = 99").CommandTag);
        var returning = driver.Ok("INSERT INTO t(id, name) VALUES (3, 'c') RETURNING id, upper(name)");
        Assert.Equal("INSERT 0 1", returning.CommandTag);
        Assert.Equal(new[] { SqlValue.Integer(3), "C" }, Assert.Single(returning.Rows));
        Assert.Equal("INSERT 0 1", driver.Ok("WITH v(x) AS (VALUES (4)) INSERT INTO t(id) SELECT x FROM v").CommandTag);
        Assert.Equal("SELECT 1", driver.Ok("WITH v(x) AS (VALUES (4)) SELECT x FROM v").CommandTag);
        Assert.Equal("SELECT 2", driver.Ok("VALUES (1), (2)").CommandTag);
        Assert.Equal("CREATE INDEX", driver.Ok("CREATE UNIQUE INDEX t_name ON t(name)").CommandTag);
        Assert.Equal("CREATE VIEW", driver.Ok("CREATE VIEW v AS SELECT * FROM t").CommandTag);
        Assert.Equal("CREATE TRIGGER", driver.Ok("CREATE TRIGGER tr AFTER DELETE ON t BEGIN SELECT 1; END").CommandTag);
        Assert.Equal("CREATE TABLE", driver.Ok("CREATE VIRTUAL TABLE docs USING fts5(body)").CommandTag);
        Assert.Equal("ALTER TABLE", driver.Ok("ALTER TABLE t ADD COLUMN extra TEXT").CommandTag);
        Assert.Equal("DELETE 4", driver.Ok("DELETE FROM t").CommandTag);
        Assert.Equal("DROP VIEW", driver.Ok("DROP VIEW v").CommandTag);
        Assert.Equal("ANALYZE", driver.Ok("ANALYZE").CommandTag);
        Assert.Equal("PRAGMA", driver.Ok("PRAGMA user_version = 7").CommandTag);
        Assert.Equal(7, driver.Scalar("PRAGMA user_version").AsInteger);
        Assert.Equal("", driver.Ok("  -- nothing here\n ; ").CommandTag);
        Assert.Equal("SELECT 1", driver.Ok("SELECT 1; -- trailing comment").CommandTag);
        Assert.Single(driver.Ok("EXPLAIN QUERY PLAN SELECT * FROM t WHERE name = 'x'").Rows);
    }

    [Fact]
    public void Text_and_blob_edge_values_round_trip_through_sqlite()
    {
        using var driver = new SqlGuestDriver();
        var values = new SqlValue[]
        {
            "", "with\0nul", "ünïcødé ✓ 𝄞", Array.Empty<byte>(), new byte[] { 0, 255, 0 }, long.MinValue, long.MaxValue,
            double.Epsilon, -0.0, double.MaxValue, SqlValue.Null,
        };
        var row = Assert.Single(driver.Ok(
            string.Join(", ", values.Select((_, i) => $"${i + 1}")).Insert(0, "SELECT "), values).Rows);
        Assert.Equal(values, row);
        Assert.Equal(new[] { "text", "blob" }, driver.Ok("SELECT typeof($1), typeof($2)", "", Array.Empty<byte>()).Rows[0].Select(v => v.AsText));
    }

    [Fact]
    public void Positional_parameters_dollar_n_question_and_question_n()
    {
        using var driver = new SqlGuestDriver();
        Assert.Equal(new[] { SqlValue.Integer(2), SqlValue.Integer(1), SqlValue.Integer(2) },
            driver.Ok("SELECT $2, $1, $2", 1L, 2L).Rows[0]);
        Assert.Equal(new[] { SqlValue.Text("a"), SqlValue.Text("b") }, driver.Ok("SELECT ?, ?", "a", "b").Rows[0]);
        Assert.Equal(new[] { SqlValue.Text("b"), SqlValue.Text("a") }, driver.Ok("SELECT ?2, ?1", "a", "b").Rows[0]);

        Assert.Equal(SqlStates.UndefinedParameter, driver.Run("SELECT $3", 1L, 2L).ErrorCode);
        Assert.Equal(SqlStates.ProtocolViolation, driver.Run("SELECT $1", 1L, 2L).ErrorCode);
        Assert.Equal(SqlStates.UndefinedParameter, driver.Run("SELECT ?").ErrorCode);
        foreach (var named in new[] { "SELECT :a", "SELECT @a", "SELECT $a", "SELECT $01" })
            Assert.Equal(SqlStates.FeatureNotSupported, driver.Run(named, 1L).ErrorCode);
    }

    [Theory]
    [InlineData("SELEC 1", SqlStates.SyntaxError)]
    [InlineData("SELECT 'unterminated", SqlStates.SyntaxError)]
    [InlineData("SELECT * FROM missing", SqlStates.UndefinedTable)]
    [InlineData("SELECT nope FROM t", SqlStates.UndefinedColumn)]
    [InlineData("SELECT \"nope\" FROM t", SqlStates.UndefinedColumn)]
    [InlineData("SELECT no_such_function(1)", SqlStates.UndefinedFunction)]
    [InlineData("INSERT INTO t VALUES (1, 'dup', 1, 1)", SqlStates.UniqueViolation)]
    [InlineData("INSERT INTO t(id, u) VALUES (1, 'x')", SqlStates.UniqueViolation)]
    [InlineData("INSERT INTO t VALUES (2, NULL, 1, NULL)", SqlStates.NotNullViolation)]
    [InlineData("INSERT INTO t VALUES (2, 'x', -5, NULL)", SqlStates.CheckViolation)]
    [InlineData("INSERT INTO t VALUES (2, 'x', 1, 42)", SqlStates.ForeignKeyViolation)]
    [InlineData("INSERT INTO s VALUES ('not an integer')", SqlStates.InvalidTextRepresentation)]
    [InlineData("CREATE TABLE t(x)", SqlStates.DuplicateObject)]
    [InlineData("DROP INDEX nope", SqlStates.UndefinedObject)]
    [InlineData("SELECT 1; SELECT 2", SqlStates.SyntaxError)]
    [InlineData("SELECT sum(9223372036854775807) FROM (VALUES (1), (2))", SqlStates.NumericValueOutOfRange)]
    [InlineData("ATTACH DATABASE ':memory:' AS other", SqlStates.InsufficientPrivilege)]
    [InlineData("DETACH DATABASE other", SqlStates.InsufficientPrivilege)]
    [InlineData("SELECT load_extension('libevil')", SqlStates.InsufficientPrivilege)]
    [InlineData("SELECT hex(fts3_tokenizer('simple'))", SqlStates.InsufficientPrivilege)]
    [InlineData("CREATE TEMP TABLE scratch(x)", SqlStates.InsufficientPrivilege)]
    [InlineData("CREATE TABLE temp.scratch(x)", SqlStates.InsufficientPrivilege)]
    [InlineData("CREATE TEMP VIEW tv AS SELECT 1", SqlStates.InsufficientPrivilege)]
    [InlineData("CREATE VIRTUAL TABLE j USING json_each", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA journal_mode = OFF", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA foreign_keys = OFF", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA writable_schema = ON", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA data_version", SqlStates.InsufficientPrivilege)]
    [InlineData("SELECT * FROM pragma_data_version", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA optimize", SqlStates.InsufficientPrivilege)]
    [InlineData("PRAGMA temp_store_directory = '/tmp'", SqlStates.InsufficientPrivilege)]
    [InlineData("VACUUM", SqlStates.FeatureNotSupported)]
    [InlineData("VACUUM INTO '/tmp/copy.db'", SqlStates.FeatureNotSupported)]
    [InlineData("EXPLAIN SELECT 1", SqlStates.FeatureNotSupported)]
    public void Errors_and_refusals_map_to_sqlstates_and_change_nothing(string sql, string sqlState)
    {
        using var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE p(id INTEGER PRIMARY KEY)");
        driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, u TEXT UNIQUE NOT NULL, n INTEGER CHECK (n > 0), p INTEGER REFERENCES p(id))");
        driver.Ok("CREATE TABLE s(x INTEGER) STRICT");
        driver.Ok("INSERT INTO t VALUES (1, 'dup', 1, NULL)");
        var digest = driver.Guest.Digest();

        var result = driver.Run(sql);
        Assert.Equal(SqlStatus.Error, result.Status);
        Assert.True(sqlState == result.ErrorCode, $"{sql}: expected {sqlState}, got {result}");
        Assert.False(string.IsNullOrWhiteSpace(result.ErrorMessage));
        Assert.Equal(SqlTransactionState.Idle, result.TransactionState);
        Assert.Equal(digest, driver.Guest.Digest());
    }

    [Fact]
    public void Allowed_pragmas_and_schema_queries_work()
    {
        using var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        Assert.Equal(2, driver.Ok("PRAGMA table_info(t)").Rows.Count);
        Assert.Equal(2, driver.Ok("SELECT * FROM pragma_table_info('t')").Rows.Count);
        Assert.Equal(1, driver.Scalar("PRAGMA foreign_keys").AsInteger);
        Assert.Equal("ok", driver.Scalar("PRAGMA integrity_check").AsText);
        Assert.Equal("UTF-8", driver.Scalar("PRAGMA encoding").AsText);
        driver.Ok("PRAGMA application_id = 1234");
        Assert.Equal(1234, driver.Scalar("PRAGMA application_id").AsInteger);
        Assert.Equal("t", driver.Scalar("SELECT name FROM sqlite_schema").AsText);
        Assert.True(driver.Ok("SELECT sqlite_version()").IsOk);
    }

    [Fact]
    public void Results_larger_than_the_cap_fail_cleanly_and_roll_back()
    {
        using var driver = new SqlGuestDriver(new SqlGuestOptions { MaxResultBytes = 64 * 1024 });
        driver.Ok("CREATE TABLE big(x BLOB)");
        driver.Ok("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100) INSERT INTO big SELECT zeroblob(1000) FROM c");
        Assert.Equal(50, driver.Ok("SELECT x FROM big LIMIT 50").Rows.Count);
        var tooBig = driver.Run("SELECT x FROM big");
        Assert.Equal(SqlStates.ProgramLimitExceeded, tooBig.ErrorCode);
        Assert.Contains("65536 bytes", tooBig.ErrorMessage);

        // A writing statement whose RETURNING rows are too large changes nothing.
        var digest = driver.Guest.Digest();
        Assert.Equal(SqlStates.ProgramLimitExceeded, driver.Run("UPDATE big SET x = zeroblob(1001) RETURNING x").ErrorCode);
        Assert.Equal(digest, driver.Guest.Digest());

        // The default cap is just under one 4 MiB client frame.
        Assert.Equal(4 * 1024 * 1024 - 4096, SqlGuestOptions.Default.MaxResultBytes);
    }

    [Fact]
    public void Runaway_statements_are_cancelled_after_a_deterministic_instruction_budget()
    {
        var options = new SqlGuestOptions { MaxStatementInstructions = 1_000_000 };
        using var first = new SqlGuestDriver(options);
        using var second = new SqlGuestDriver(options);
        const string endless = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c";
        var result = first.Run(endless);
        Assert.Equal(SqlStates.QueryCanceled, result.ErrorCode);
        second.Run(endless);
        Assert.Equal(first.LastOutput, second.LastOutput);
        Assert.True(first.Ok("SELECT 1").IsOk);
    }

    [Fact]
    public void Malformed_commands_are_error_outputs_that_change_nothing()
    {
        using var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE t(x)");
        driver.Ok(A, "BEGIN");
        driver.Ok(A, "INSERT INTO t VALUES (1)");
        var digest = driver.Guest.Digest();
        var valid = SqlCommand.Execute("INSERT INTO t VALUES ($1)", "value").Encode();
        var random = new Random(11);
        List<byte[]> inputs = [[], [0], [1], [2], [1, 3], [1, 2, 0], valid.Append((byte)0).ToArray()];
        for (var length = 0; length < valid.Length; length++) inputs.Add(valid[..length]);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(1, 40)];
            random.NextBytes(bytes);
            inputs.Add(bytes);
        }
        foreach (var bytes in inputs)
        {
            var output = driver.ApplyRaw(B, bytes);
            if (SqlCommand.TryDecode(bytes, out _, out _)) continue; // a random input that happens to be valid
            var result = SqlResult.Decode(output);
            Assert.Equal((SqlStatus.Error, SqlStates.ProtocolViolation), (result.Status, result.ErrorCode));
        }
        Assert.Equal(digest, driver.Guest.Digest());
        // The owner's malformed input leaves its transaction as it was.
        Assert.Equal(SqlTransactionState.InTransaction, SqlResult.Decode(driver.ApplyRaw(A, [1, 9])).TransactionState);
        driver.Ok(A, "COMMIT");
    }
}
