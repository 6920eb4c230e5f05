namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>
/// The fixed workload of `bench sql`, the same text for every target: a TPC-B-like account update (pgbench's
/// "simple update" shape) over 100,000 accounts: update a random account's balance, read it back, append a history
/// row, commit. Plain SQL that SQLite (behind the gateway) and PostgreSQL both run unchanged. Two shapes of the same
/// transaction: <see cref="Interactive"/> sends each statement and waits for its answer (one round trip each, as an
/// application that decides between statements does); <see cref="Whole"/> sends it as one compound statement (pgbench's
/// <c>\;</c>: one Query message, one round trip, as an application sending a transaction it knows in advance does).
/// </summary>
public static class SqlBenchWorkload
{
    public const string Interactive = "interactive";
    public const string Whole = "whole";

    public static string Script(string shape) => shape == Whole ? TransactionWhole : Transaction;

    public const int Accounts = 100_000;

    public static readonly string Schema = $"""
        CREATE TABLE bench_accounts (aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, abalance INTEGER NOT NULL, filler CHAR(84));
        CREATE TABLE bench_history (tid INTEGER NOT NULL, bid INTEGER NOT NULL, aid INTEGER NOT NULL, delta INTEGER NOT NULL, mtime TIMESTAMP, filler CHAR(22));
        WITH RECURSIVE n(aid) AS (SELECT 1 UNION ALL SELECT aid + 1 FROM n WHERE aid < {Accounts})
          INSERT INTO bench_accounts (aid, bid, abalance, filler) SELECT aid, 1, 0, '' FROM n;

        """;

    public static readonly string Transaction = $"""
        \set aid random(1, {Accounts})
        \set tid random(1, 10)
        \set delta random(-5000, 5000)
        BEGIN;
        UPDATE bench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
        SELECT abalance FROM bench_accounts WHERE aid = :aid;
        INSERT INTO bench_history (tid, bid, aid, delta, mtime) VALUES (:tid, 1, :aid, :delta, CURRENT_TIMESTAMP);
        END;

        """;

    public static readonly string TransactionWhole = $"""
        \set aid random(1, {Accounts})
        \set tid random(1, 10)
        \set delta random(-5000, 5000)
        BEGIN \; UPDATE bench_accounts SET abalance = abalance + :delta WHERE aid = :aid \; SELECT abalance FROM bench_accounts WHERE aid = :aid \; INSERT INTO bench_history (tid, bid, aid, delta, mtime) VALUES (:tid, 1, :aid, :delta, CURRENT_TIMESTAMP) \; END;

        """;
}
