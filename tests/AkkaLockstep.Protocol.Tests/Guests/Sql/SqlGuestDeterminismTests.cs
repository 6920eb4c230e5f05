using System.Globalization;
using AkkaLockstep.Guests.Sql;
using static AkkaLockstep.Protocol.Tests.Guests.Sql.SqlGuestDriver;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

public sealed class SqlGuestDeterminismTests
{
    private const string Schema =
        "CREATE TABLE t(id INTEGER PRIMARY KEY, " +
        "ts TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT DEFAULT CURRENT_DATE, tm TEXT DEFAULT CURRENT_TIME, " +
        "dt TEXT DEFAULT (datetime('now')), ms TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')), " +
        "jd REAL DEFAULT (julianday('now')), ue INTEGER DEFAULT (unixepoch('now')), " +
        "r INTEGER DEFAULT (random()), rb BLOB DEFAULT (randomblob(16)))";

    private static string Utc(long ms, string format) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString(format, CultureInfo.InvariantCulture);

    private static byte[][] InsertAndSelect(SqlGuestDriver driver, long atMs, ulong seed)
    {
        var outputs = new List<byte[]>();
        driver.NowMs = atMs;
        driver.Ok(Schema);
        outputs.Add(driver.LastOutput);
        driver.NextSeed = seed;
        driver.Ok("INSERT INTO t(id) VALUES (1), (2)");
        outputs.Add(driver.LastOutput);
        driver.Ok("SELECT * FROM t ORDER BY id");
        outputs.Add(driver.LastOutput);
        return outputs.ToArray();
    }

    [Fact]
    public void Column_defaults_read_time_and_randomness_from_the_input_on_every_replica()
    {
        const long at = 1_234_567_890_123; // 2009-02-13T23:31:30.123Z
        using var first = new SqlGuestDriver();
        var firstOutputs = InsertAndSelect(first, at, seed: 42);
        Thread.Sleep(1100); // a different wall-clock second for the second replica
        using var second = new SqlGuestDriver();
        var secondOutputs = InsertAndSelect(second, at, seed: 42);

        Assert.Equal(firstOutputs, secondOutputs);
        Assert.Equal(first.Guest.Digest(), second.Guest.Digest());

        var rows = SqlResult.Decode(firstOutputs[2]).Rows;
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss"), row[1].AsText);
            Assert.Equal(Utc(at, "yyyy-MM-dd"), row[2].AsText);
            Assert.Equal(Utc(at, "HH:mm:ss"), row[3].AsText);
            Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss"), row[4].AsText);
            Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss.fff"), row[5].AsText);
            Assert.Equal(2440587.5 + at / 86_400_000.0, row[6].AsReal, 1e-9);
            Assert.Equal(at / 1000, row[7].AsInteger);
            Assert.Equal(16, row[9].AsBlob.Length);
        }
        Assert.NotEqual(rows[0][8], rows[1][8]); // random() differs row to row within the statement

        // Another input time and seed give other values.
        using var third = new SqlGuestDriver();
        var thirdRows = SqlResult.Decode(InsertAndSelect(third, at + 86_400_000 + 1, seed: 43)[2]).Rows;
        Assert.Equal(Utc(at + 86_400_000 + 1, "yyyy-MM-dd HH:mm:ss"), thirdRows[0][1].AsText);
        Assert.NotEqual(rows[0][1], thirdRows[0][1]);
        Assert.NotEqual(rows[0][2], thirdRows[0][2]);
        Assert.NotEqual(rows[0][8], thirdRows[0][8]);
        Assert.NotEqual(rows[0][9], thirdRows[0][9]);
        Assert.NotEqual(first.Guest.Digest(), third.Guest.Digest());
    }

    [Fact]
    public void Every_form_of_now_reads_the_input_timestamp()
    {
        const long at = 1_700_000_000_250; // 2023-11-14T22:13:20.250Z
        using var driver = new SqlGuestDriver(startMs: at);
        var row = Assert.Single(driver.Ok(
            "SELECT datetime('now'), date('now'), time('now'), julianday('now'), strftime('%s', 'now'), " +
            "unixepoch('now'), unixepoch(), datetime(), CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME, " +
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), unixepoch('now', 'subsec'), datetime('now', '+1 day')").Rows);
        Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss"), row[0].AsText);
        Assert.Equal(Utc(at, "yyyy-MM-dd"), row[1].AsText);
        Assert.Equal(Utc(at, "HH:mm:ss"), row[2].AsText);
        Assert.Equal(2440587.5 + at / 86_400_000.0, row[3].AsReal, 1e-9);
        Assert.Equal((at / 1000).ToString(CultureInfo.InvariantCulture), row[4].AsText);
        Assert.Equal(at / 1000, row[5].AsInteger);
        Assert.Equal(at / 1000, row[6].AsInteger);
        Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss"), row[7].AsText);
        Assert.Equal(Utc(at, "yyyy-MM-dd HH:mm:ss"), row[8].AsText);
        Assert.Equal(Utc(at, "yyyy-MM-dd"), row[9].AsText);
        Assert.Equal(Utc(at, "HH:mm:ss"), row[10].AsText);
        Assert.Equal(Utc(at, "yyyy-MM-ddTHH:mm:ss.fffZ"), row[11].AsText);
        Assert.Equal(at / 1000.0, row[12].AsReal, 1e-6);
        Assert.Equal(Utc(at + 86_400_000, "yyyy-MM-dd HH:mm:ss"), row[13].AsText);

        // Dates that do not involve now are SQLite's own arithmetic, unchanged.
        Assert.Equal("2024-03-01", driver.Scalar("SELECT date('2024-02-28', '+2 days')").AsText);
        Assert.Equal(SqlValue.Null, driver.Scalar("SELECT date('not a date')"));

        // The next input's time, whatever the wall clock says.
        driver.NowMs = at + 5_000;
        Assert.Equal(Utc(at + 5_000, "yyyy-MM-dd HH:mm:ss"), driver.Scalar("SELECT CURRENT_TIMESTAMP").AsText);
    }

    [Fact]
    public void Now_in_views_and_triggers_is_the_input_time_too()
    {
        using var driver = new SqlGuestDriver();
        driver.Ok("CREATE TABLE audit(what TEXT, at TEXT)");
        driver.Ok("CREATE TABLE item(name TEXT)");
        driver.Ok("CREATE TRIGGER item_audit AFTER INSERT ON item BEGIN " +
                  "INSERT INTO audit VALUES (new.name, strftime('%Y-%m-%d %H:%M:%f', 'now') || ' ' || CURRENT_TIMESTAMP); END");
        driver.Ok("CREATE VIEW clock AS SELECT datetime('now') AS now, random() AS r");
        driver.NowMs = 1_600_000_000_000;
        driver.Ok("INSERT INTO item VALUES ('x')");
        Assert.Equal($"{Utc(1_600_000_000_000, "yyyy-MM-dd HH:mm:ss.fff")} {Utc(1_600_000_000_000, "yyyy-MM-dd HH:mm:ss")}",
            driver.Scalar("SELECT at FROM audit").AsText);
        driver.NowMs = 1_650_000_000_000;
        Assert.Equal(Utc(1_650_000_000_000, "yyyy-MM-dd HH:mm:ss"), driver.Scalar("SELECT now FROM clock").AsText);
    }

    [Fact]
    public void Random_and_randomblob_follow_the_input_seed()
    {
        using var first = new SqlGuestDriver();
        using var second = new SqlGuestDriver();
        const string sql = "SELECT random(), random(), randomblob(33), hex(randomblob(0)), random() % 100";
        first.NextSeed = 7;
        var a = first.Ok(sql);
        second.NextSeed = 7;
        var b = second.Ok(sql);
        Assert.Equal(first.LastOutput, second.LastOutput);
        Assert.NotEqual(a.Rows[0][0], a.Rows[0][1]);
        Assert.Equal(33, a.Rows[0][2].AsBlob.Length);
        Assert.Equal(2, a.Rows[0][3].AsText.Length); // randomblob(0) is one byte, as in SQLite

        first.NextSeed = 8;
        var c = first.Ok(sql);
        Assert.NotEqual(a.Rows[0][0], c.Rows[0][0]);
        Assert.NotEqual(a.Rows[0][2], c.Rows[0][2]);

        // Same seed again: same values (the generator is per input, not per connection).
        second.NextSeed = 8;
        second.Ok(sql);
        Assert.Equal(first.LastOutput, second.LastOutput);

        // ORDER BY random() is a deterministic shuffle.
        foreach (var driver in new[] { first, second })
        {
            driver.Ok("CREATE TABLE n(x INTEGER)");
            driver.Ok("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) INSERT INTO n SELECT x FROM c");
            driver.NextSeed = 99;
            driver.Ok("SELECT x FROM n ORDER BY random()");
        }
        Assert.Equal(first.LastOutput, second.LastOutput);
        Assert.Contains("too big", first.Run("SELECT randomblob(2000000000)").ErrorMessage);
    }

    [Fact]
    public void Localtime_and_utc_modifiers_are_refused_because_they_read_the_host_time_zone()
    {
        using var driver = new SqlGuestDriver();
        foreach (var sql in new[]
                 {
                     "SELECT datetime('now', 'localtime')", "SELECT date('2020-01-01', 'UTC')",
                     "SELECT strftime('%H', 'now', ' LocalTime ')", "SELECT unixepoch('now', 'utc')",
                 })
        {
            var result = driver.Run(sql);
            Assert.Equal((SqlStatus.Error, SqlStates.FeatureNotSupported), (result.Status, result.ErrorCode));
            Assert.Contains("time zone", result.ErrorMessage);
        }
        driver.Ok("CREATE TABLE t(x TEXT DEFAULT (datetime('now', 'localtime')))");
        Assert.Contains("time zone", driver.Run("INSERT INTO t DEFAULT VALUES").ErrorMessage);
        Assert.Equal(0, driver.Scalar("SELECT count(*) FROM t").AsInteger);
        // Date functions stay usable where SQLite needs deterministic functions.
        driver.Ok("CREATE TABLE e(at TEXT, day TEXT GENERATED ALWAYS AS (date(at)), CHECK (date(at) IS NOT NULL))");
        driver.Ok("CREATE INDEX e_day ON e(date(at))");
        driver.Ok("INSERT INTO e(at) VALUES ('2024-05-06 07:08:09')");
        Assert.Equal("2024-05-06", driver.Scalar("SELECT day FROM e").AsText);
        Assert.Equal(SqlStates.CheckViolation, driver.Run("INSERT INTO e(at) VALUES ('garbage')").ErrorCode);
    }

    [Fact]
    public void Connection_counters_are_guest_state_that_survives_a_restore()
    {
        using var primary = new SqlGuestDriver();
        primary.Ok("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        primary.Ok("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')");
        primary.Ok("UPDATE t SET v = v || '!' WHERE id > 1");

        using var restored = new SqlGuestDriver();
        restored.Guest.Restore(primary.Guest.Snapshot());
        Assert.Equal(primary.Guest.Digest(), restored.Guest.Digest());

        const string probe = "SELECT changes(), total_changes(), last_insert_rowid()";
        var expected = primary.Ok(probe);
        restored.Ok(probe);
        Assert.Equal(primary.LastOutput, restored.LastOutput);
        Assert.Equal(new[] { SqlValue.Integer(2), SqlValue.Integer(5), SqlValue.Integer(3) }, expected.Rows[0]);

        // A failed statement changes no counter.
        Assert.False(primary.Run("INSERT INTO t(id, v) VALUES (1, 'dup')").IsOk);
        Assert.Equal(expected.Rows[0], primary.Ok(probe).Rows[0]);

        // last_insert_rowid() inside a statement sees the value before it, like SQLite.
        primary.Ok("INSERT INTO t(v) VALUES (last_insert_rowid())");
        Assert.Equal("3", primary.Scalar("SELECT v FROM t WHERE id = 4").AsText);
    }
}
