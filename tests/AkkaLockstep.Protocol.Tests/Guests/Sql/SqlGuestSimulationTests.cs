using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

/// <summary>
/// Two guests stand in for the two replicas of a VM: fed the same random inputs from several sessions (statements,
/// transactions, errors, busy answers, idle timeouts, closes), they must produce the same output for every input
/// and the same digest. A third guest restored from a snapshot taken midway (possibly inside a transaction) must
/// then follow exactly.
/// </summary>
public sealed class SqlGuestSimulationTests
{
    private static readonly Guid[] Sessions = Enumerable.Range(1, 4).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();

    private static readonly string[] Statements =
    [
        "INSERT INTO acct(owner, balance) VALUES ($1, $2)",
        "UPDATE acct SET balance = balance + $2 WHERE id = (SELECT id FROM acct ORDER BY id LIMIT 1 OFFSET $1 % 7)",
        "DELETE FROM acct WHERE id = $1 % 11",
        "INSERT INTO acct(id, owner, balance) VALUES ($1 % 5 + 1, 'dup', $2)",
        "INSERT INTO acct(owner, balance) VALUES ($1, -1)",
        "INSERT INTO ledger(acct, amount) SELECT id, $2 FROM acct ORDER BY random() LIMIT 1",
        "SELECT id, owner, balance, created FROM acct ORDER BY id",
        "SELECT count(*), total(balance), changes(), total_changes(), last_insert_rowid() FROM acct",
        "SELECT * FROM ledger ORDER BY random() LIMIT 3",
        "SELECT hex(randomblob(8)), datetime('now'), $1",
        "UPDATE acct SET owner = owner || '!' WHERE balance > $2 RETURNING id, owner",
        "SELECT * FROM nowhere",
        "SELEC broken",
        "BEGIN", "BEGIN", "COMMIT", "COMMIT", "ROLLBACK", "SAVEPOINT sp", "ROLLBACK TO sp", "RELEASE sp",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Two_replicas_fed_the_same_inputs_agree_on_every_output_and_digest(int seed)
    {
        var options = new SqlGuestOptions { TransactionTimeoutMs = 5_000 };
        using var primary = new SqlGuest(options);
        using var secondary = new SqlGuest(options);
        SqlGuest? follower = null;
        var random = new Random(seed);
        var setup = new[]
        {
            "CREATE TABLE acct(id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0), created TEXT DEFAULT CURRENT_TIMESTAMP, tag BLOB DEFAULT (randomblob(4)))",
            "CREATE TABLE ledger(id INTEGER PRIMARY KEY AUTOINCREMENT, acct INTEGER REFERENCES acct(id) ON DELETE CASCADE, amount INTEGER, at REAL DEFAULT (julianday('now')))",
        };
        long now = 1_500_000_000_000;
        var inputs = new List<(byte[] Command, InputContext Context)>();
        foreach (var sql in setup)
            inputs.Add((SqlCommand.Execute(sql).Encode(), default));
        for (var i = 0; i < 1500; i++)
        {
            var session = Sessions[random.Next(Sessions.Length)];
            byte[] command;
            var roll = random.Next(100);
            if (roll < 3) command = SqlCommand.Close().Encode();
            else if (roll < 4) command = [1, 1, 5, (byte)'S'];
            else
            {
                var sql = Statements[random.Next(Statements.Length)];
                var parameters = sql.Contains("$2")
                    ? new SqlValue[] { random.Next(1, 50), random.Next(-5, 100) }
                    : sql.Contains("$1") ? new SqlValue[] { random.Next(1, 50) } : [];
                command = SqlCommand.Execute(sql, parameters).Encode();
            }
            now += random.Next(100) < 2 ? 6_000 : random.Next(0, 400);
            inputs.Add((command, new InputContext(0, now, (ulong)random.NextInt64(), session)));
        }

        var index = 0L;
        var busy = 0;
        var errors = 0;
        var snapshotAt = 500 + seed * 250;
        foreach (var (command, context) in inputs)
        {
            index++;
            var input = context with { Index = index, SessionId = context.SessionId == Guid.Empty ? Sessions[0] : context.SessionId };
            var a = primary.Apply(command, input);
            var b = secondary.Apply(command, input);
            Assert.True(a.AsSpan().SequenceEqual(b), $"outputs differ at input {index}");
            if (follower is not null)
                Assert.True(a.AsSpan().SequenceEqual(follower.Apply(command, input)), $"restored guest differs at input {index}");
            var result = SqlResult.Decode(a);
            if (result.Status == SqlStatus.Busy) busy++;
            if (result.Status == SqlStatus.Error) errors++;
            // The copy is taken at the first input past snapshotAt that leaves a transaction open (the hard case).
            if (follower is null && index >= snapshotAt && secondary.TransactionOwner is not null)
            {
                follower = new SqlGuest(options);
                follower.Restore(secondary.Snapshot());
                Assert.Equal(primary.Digest(), follower.Digest());
            }
            if (index % 100 == 0) Assert.Equal(primary.Digest(), secondary.Digest());
            // Snapshots are byte-identical too: same database pages, same transaction log.
            if (index % 250 == 0) Assert.Equal(primary.Snapshot(), secondary.Snapshot());
        }
        Assert.Equal(primary.Digest(), secondary.Digest());
        Assert.NotNull(follower);
        Assert.Equal(primary.Digest(), follower.Digest());
        Assert.Equal(primary.Snapshot(), follower.Snapshot());
        Assert.True(busy > 10, $"only {busy} busy answers: the mix did not exercise transactions");
        Assert.True(errors > 50, $"only {errors} errors");
        follower.Dispose();
    }
}
