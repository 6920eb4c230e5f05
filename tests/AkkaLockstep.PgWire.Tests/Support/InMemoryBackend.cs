namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>
/// A fast fake backend for protocol tests and fuzzing: database "db" only; statements return a small fixed
/// result; a statement containing "fail" fails with 42P01; BEGIN/COMMIT/ROLLBACK track the transaction status.
/// </summary>
internal sealed class InMemoryBackend : IPgBackend
{
    public static readonly IReadOnlyList<PgColumn> Columns = [new("n", PgTypeOid.Int8), new("s", PgTypeOid.Text), new("f", PgTypeOid.Float8)];

    public int OpenSessions;
    public int DisposedSessions;

    /// <summary>Every batch the gateway sent (<see cref="IPgSession.ExecuteBatchAsync"/>), with its statements.</summary>
    public readonly System.Collections.Concurrent.ConcurrentQueue<IReadOnlyList<string>> Batches = new();

    /// <summary>Batches are answered with one result too many: a backend that does not keep to the contract.</summary>
    public bool MiscountBatches;

    public ValueTask<IPgSession?> OpenSessionAsync(string database, string user, CancellationToken cancellationToken)
    {
        if (database != "db")
            return ValueTask.FromResult<IPgSession?>(null);
        Interlocked.Increment(ref OpenSessions);
        return ValueTask.FromResult<IPgSession?>(new Session(this));
    }

    sealed class Session(InMemoryBackend backend) : IPgSession
    {
        bool _inTransaction;

        PgTransactionStatus Status => _inTransaction ? PgTransactionStatus.InTransaction : PgTransactionStatus.Idle;

        public ValueTask<PgStatementResult> ExecuteAsync(string sql, IReadOnlyList<PgParameter> parameters, CancellationToken cancellationToken)
        {
            switch (sql)
            {
                case "BEGIN":
                    _inTransaction = true;
                    return ValueTask.FromResult(PgStatementResult.Command("BEGIN", Status));
                case "COMMIT" or "ROLLBACK":
                    _inTransaction = false;
                    return ValueTask.FromResult(PgStatementResult.Command(sql, Status));
            }

            if (sql.Contains("fail", StringComparison.OrdinalIgnoreCase))
                throw new PgException("42P01", "relation \"fail\" does not exist");
            if (sql.StartsWith("insert", StringComparison.OrdinalIgnoreCase))
                return ValueTask.FromResult(PgStatementResult.Command("INSERT 0 1", Status));
            var rows = Enumerable.Range(1, 3)
                .Select(i => new object?[] { (long)i, parameters.Count > 0 ? parameters[0].Value?.ToString() : "row" + i, i / 2.0 })
                .ToList();
            return ValueTask.FromResult(PgStatementResult.Query(Columns, rows, "SELECT 3", Status));
        }

        public async ValueTask<IReadOnlyList<PgStatementResult>> ExecuteBatchAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken)
        {
            backend.Batches.Enqueue(statements);
            var results = new List<PgStatementResult>();
            foreach (var sql in statements)
            {
                try
                {
                    results.Add(await ExecuteAsync(sql, [], cancellationToken));
                }
                catch (PgException e)
                {
                    results.Add(PgStatementResult.Failure(e.Error, Status));
                    break;
                }
            }
            if (backend.MiscountBatches) results.Add(PgStatementResult.Command("SELECT 0", Status));
            return results;
        }

        public ValueTask<IReadOnlyList<PgColumn>?> DescribeAsync(string sql, IReadOnlyList<uint> parameterTypes, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<PgColumn>?>(sql.StartsWith("insert", StringComparison.OrdinalIgnoreCase) ? null : Columns);

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref backend.DisposedSessions);
            return ValueTask.CompletedTask;
        }
    }
}
