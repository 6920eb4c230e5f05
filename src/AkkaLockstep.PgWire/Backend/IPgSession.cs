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
}
