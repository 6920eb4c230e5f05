using System.Diagnostics;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Client;

/// <summary>How a <see cref="SqlSession"/> waits out other sessions' transactions.</summary>
public sealed record SqlSessionOptions
{
    /// <summary>First pause after a Busy answer; doubles (with jitter) up to <see cref="BusyRetryMaxDelay"/>.</summary>
    public TimeSpan BusyRetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan BusyRetryMaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long one statement may keep getting Busy before <see cref="SqlSession.ExecuteAsync(string, CancellationToken)"/>
    /// gives up with a <see cref="SqlBusyTimeoutException"/>. Longer than the guest's default transaction timeout (30 s),
    /// so an abandoned transaction is rolled back before a waiting statement gives up.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Typed access to a VM running the sql guest, over one exactly-once session: the guest sees the session's id, so
/// a transaction begun here stays with this session until it commits, rolls back, times out or
/// <see cref="CloseAsync"/> ends it.
/// <para>A statement answered Busy (another session's transaction holds the database; nothing was done) is sent
/// again after a short backoff, or as soon as a session sharing <paramref name="releases"/> ends its transaction,
/// transparently, until it runs or <see cref="SqlSessionOptions.BusyTimeout"/> passes.
/// Every resend is a new request, so waiting statements run in the order their retries reach the primary, the
/// same order on both replicas. SQL errors are returned as results (<see cref="SqlResult.EnsureSuccess"/> turns
/// them into exceptions).</para>
/// </summary>
/// <param name="releases">Shared by the sessions of one client on this VM (see <see cref="LockstepClient.OpenSqlSession"/>).</param>
public sealed class SqlSession(LockstepSession session, SqlSessionOptions? options = null, SqlReleaseSignal? releases = null)
{
    private readonly SqlReleaseSignal _releases = releases ?? new SqlReleaseSignal();

    private long _busyRetries;

    public LockstepSession Session { get; } = session;

    public SqlSessionOptions Options { get; } = options ?? new SqlSessionOptions();

    /// <summary>This session's transaction state after its latest statement.</summary>
    public SqlTransactionState TransactionState { get; private set; }

    /// <summary>Statements re-sent because the guest answered Busy, over this session's lifetime.</summary>
    public long BusyRetries => Interlocked.Read(ref _busyRetries);

    public Task<SqlResult> ExecuteAsync(string sql, CancellationToken cancellationToken = default) =>
        ExecuteAsync(sql, [], cancellationToken);

    /// <summary>Runs one statement with positional parameters (<c>$1</c>…<c>$n</c> or <c>?</c>).</summary>
    public Task<SqlResult> ExecuteAsync(string sql, IReadOnlyList<SqlValue> parameters, CancellationToken cancellationToken = default) =>
        RunUntilNotBusyAsync(SqlCommand.Execute(sql, parameters).Encode(), output => SqlResult.Decode(output), r => r, cancellationToken);

    /// <summary>
    /// Runs statements one after another within one request (one input), stopping at the first that fails: a
    /// transaction sent whole (BEGIN … COMMIT) costs one replicated round trip and holds the database for no longer than
    /// it takes to run. Busy (nothing ran) is waited out for the whole, as for <see cref="ExecuteAsync(string, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="SqlScriptNotSupportedException">The guest is older than scripts; nothing ran.</exception>
    public Task<SqlScriptResult> ExecuteScriptAsync(IEnumerable<SqlCommand> statements, CancellationToken cancellationToken = default) =>
        RunUntilNotBusyAsync(SqlCommand.Script(statements).Encode(), DecodeScript, script => script.Results[^1], cancellationToken);

    private static SqlScriptResult DecodeScript(byte[] output)
    {
        if (SqlScriptResult.TryDecode(output, out var script, out var error)) return script!;
        // A guest that does not know the command kind refuses it, before running anything, as a single protocol error.
        if (SqlResult.TryDecode(output, out var refusal, out _) && refusal is { Status: SqlStatus.Error, ErrorCode: SqlStates.ProtocolViolation })
            throw new SqlScriptNotSupportedException($"the sql guest refused a script: {refusal.ErrorMessage}");
        throw new InvalidDataException($"malformed sql script result: {error}");
    }

    /// <summary>
    /// The columns <paramref name="sql"/> would return (names and declared types, no rows), without running it; no
    /// columns for a statement that returns no rows. Compile errors come back as Error results. Busy is waited out
    /// as for <see cref="ExecuteAsync(string, CancellationToken)"/>.
    /// </summary>
    public Task<SqlResult> DescribeAsync(string sql, CancellationToken cancellationToken = default) =>
        RunUntilNotBusyAsync(SqlCommand.Describe(sql).Encode(), output => SqlResult.Decode(output), r => r, cancellationToken);

    /// <param name="last">The result that says whether it was Busy and the session's transaction state afterwards.</param>
    private async Task<T> RunUntilNotBusyAsync<T>(byte[] command, Func<byte[], T> decode, Func<T, SqlResult> last, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(Options.BusyRetryInitialDelay, Options.BusyRetryMaxDelay);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var released = _releases.Next;
            var answer = decode(await Session.ExecuteAsync(command, cancellationToken).ConfigureAwait(false));
            var result = last(answer);
            if (result.Status != SqlStatus.Busy)
            {
                Settle(result.TransactionState);
                return answer;
            }
            if (waited.Elapsed >= Options.BusyTimeout)
                throw new SqlBusyTimeoutException($"sql statement stayed busy for {waited.Elapsed.TotalSeconds:0.#} s (another session's transaction): {result.ErrorMessage}");
            Interlocked.Increment(ref _busyRetries);
            await Task.WhenAny(backoff.DelayAsync(cancellationToken), released).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Records the session's transaction state; a transaction that ended wakes the sessions waiting on it.</summary>
    private void Settle(SqlTransactionState state)
    {
        var ended = TransactionState != SqlTransactionState.Idle && state == SqlTransactionState.Idle;
        TransactionState = state;
        if (ended) _releases.Pulse();
    }

    /// <summary>Ends the session on the guest: rolls back its open transaction, if any.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        var result = SqlResult.Decode(await Session.ExecuteAsync(SqlCommand.Close().Encode(), cancellationToken).ConfigureAwait(false));
        if (result.Status != SqlStatus.Ok)
            throw new LockstepException(Status.BadRequest, $"sql guest refused Close: {result.ErrorCode} {result.ErrorMessage}");
        Settle(result.TransactionState);
    }
}
