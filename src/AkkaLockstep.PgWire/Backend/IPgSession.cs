namespace AkkaLockstep.PgWire;

/// <summary>
/// One client connection's SQL session. The gateway never overlaps calls on a session. It disposes the session on
/// Terminate and on any disconnect, so an implementation rolls back an open transaction in <see cref="IAsyncDisposable.DisposeAsync"/>.
/// </summary>
public interface IPgSession : IAsyncDisposable
{
    /// <summary>
    /// Executes exactly one statement. <paramref name="parameters"/> are positional: element 0 is <c>$1</c>.
    /// Transaction control arrives in canonical form: <c>BEGIN</c>, <c>COMMIT</c>, <c>ROLLBACK</c> (savepoint statements verbatim).
    /// Report SQL errors with <see cref="PgStatementResult.Failure"/> or by throwing <see cref="PgException"/>;
    /// <paramref name="cancellationToken"/> fires when the client sends a CancelRequest (answered with 57014).
    /// </summary>
    ValueTask<PgStatementResult> ExecuteAsync(string sql, IReadOnlyList<PgParameter> parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Column metadata of a statement without executing it, for Describe of a prepared statement.
    /// Returns null when the statement returns no rows. Parameter types are the OIDs the client declared (0 = unspecified).
    /// </summary>
    ValueTask<IReadOnlyList<PgColumn>?> DescribeAsync(string sql, IReadOnlyList<uint> parameterTypes, CancellationToken cancellationToken);

    /// <summary>
    /// Executes statements without parameters (each as for <see cref="ExecuteAsync"/>) in order, stopping after the first
    /// that fails; returns the result of each statement run. A Query message holding several statements arrives here, so
    /// a backend that can run them in one call (one round trip for a transaction sent whole) should; this default runs
    /// them one at a time. A <see cref="PgException"/> stops the batch as a failure of the statement it came from.
    /// </summary>
    async ValueTask<IReadOnlyList<PgStatementResult>> ExecuteBatchAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        var results = new List<PgStatementResult>(statements.Count);
        foreach (var sql in statements)
        {
            var result = await ExecuteAsync(sql, [], cancellationToken).ConfigureAwait(false);
            results.Add(result);
            if (result.Error is not null) break;
        }
        return results;
    }
}
