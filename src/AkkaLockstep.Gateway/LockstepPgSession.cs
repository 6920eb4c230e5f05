using AkkaLockstep.Client;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.PgWire;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Gateway;

/// <summary>
/// One PostgreSQL connection's session on a sql VM: one <see cref="SqlSession"/>, so every statement is a numbered
/// request of one exactly-once session. The client library re-sends a request with its number across redirects,
/// reconnects and failover, so a statement the client sees answered ran exactly once; statements answered Busy
/// (another connection's transaction) are re-sent until they run. PgWire never overlaps calls on a session.
/// </summary>
public sealed class LockstepPgSession(SqlSession session) : IPgSession
{
    /// <summary>
    /// Bounds Close on disconnect, which also runs for every connection when the gateway shuts down: an unreachable
    /// cluster must not hold up a shutdown, and the guest's idle-transaction timeout covers a Close that never arrives.
    /// </summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private int _disposed;

    public SqlSession SqlSession { get; } = session;

    public async ValueTask<PgStatementResult> ExecuteAsync(string sql, IReadOnlyList<PgParameter> parameters, CancellationToken cancellationToken)
    {
        switch (sql)
        {
            // BEGIN changes nothing until the transaction's first statement, so it goes with that one: an interactive
            // transaction costs one replicated round trip fewer, and holds the database for one fewer.
            case Begin when !_beginDeferred && SqlSession.TransactionState == SqlTransactionState.Idle:
                _beginDeferred = true;
                return PgStatementResult.Command(Begin, PgTransactionStatus.InTransaction);
            // A transaction that ran nothing ends without the guest ever seeing it.
            case Commit or Rollback when _beginDeferred:
                _beginDeferred = false;
                return PgStatementResult.Command(sql, PgTransactionStatus.Idle);
        }
        var command = SqlCommand.Execute(sql, SqlValueMapping.ToSqlValues(parameters));
        if (_beginDeferred) return (await RunAfterBeginAsync([command], cancellationToken).ConfigureAwait(false))[0];
        return await ExecuteOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private const string Begin = "BEGIN", Commit = "COMMIT", Rollback = "ROLLBACK";

    // A BEGIN answered but not yet sent: it goes to the guest with the transaction's first statement.
    private bool _beginDeferred;

    /// <summary>
    /// A multi-statement Query as Script inputs: a transaction sent whole is one request, one replicated round trip, and
    /// holds the database only while it runs. Long batches go in scripts of at most <see cref="ScriptBytes"/> of SQL
    /// (each within the cluster's command size), in order, stopping at the first failure.
    /// </summary>
    public async ValueTask<IReadOnlyList<PgStatementResult>> ExecuteBatchAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        var commands = statements.Select(s => SqlCommand.Execute(s)).ToList();
        return _beginDeferred
            ? await RunAfterBeginAsync(commands, cancellationToken).ConfigureAwait(false)
            : await RunScriptsAsync(commands, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The deferred BEGIN and <paramref name="commands"/> in one script; their results without BEGIN's, or, should BEGIN
    /// fail (a session whose transaction timed out), its failure in place of the first statement's.
    /// </summary>
    private async Task<IReadOnlyList<PgStatementResult>> RunAfterBeginAsync(IReadOnlyList<SqlCommand> commands, CancellationToken cancellationToken)
    {
        _beginDeferred = false;
        var results = await RunScriptsAsync([SqlCommand.Execute(Begin), .. commands], cancellationToken).ConfigureAwait(false);
        return results[0].Error is not null ? [results[0]] : results.Skip(1).ToList();
    }

    /// <summary>Commands in scripts, in order, stopping at the first failure: a result for each command run.</summary>
    private async Task<List<PgStatementResult>> RunScriptsAsync(IReadOnlyList<SqlCommand> commands, CancellationToken cancellationToken)
    {
        var results = new List<PgStatementResult>(commands.Count);
        foreach (var script in InScripts(commands))
        {
            var answer = _scriptsRefused ? null : await TryScriptAsync(script, cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                // Hosts older than scripts (a rolling upgrade): one statement at a time, as before.
                foreach (var command in script)
                {
                    PgStatementResult result;
                    try
                    {
                        result = await ExecuteOneAsync(command, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PgException e)
                    {
                        result = PgStatementResult.Failure(e.Error, PgTransactionStatus.Idle);
                    }
                    results.Add(result);
                    if (result.Error is not null) return results;
                }
                continue;
            }
            for (var i = 0; i < answer.Results.Count; i++)
                results.Add(SqlResultMapping.ToPg(answer.Results[i], script[i].Sql));
            if (answer.Results.Count < script.Count || !answer.Results[^1].IsOk) break;
        }
        return results;
    }

    private async Task<PgStatementResult> ExecuteOneAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        var result = await CallAsync(() => SqlSession.ExecuteAsync(command.Sql, command.Parameters, cancellationToken)).ConfigureAwait(false);
        return SqlResultMapping.ToPg(result, command.Sql);
    }

    // Set once the VM's guest refused a script: this session does not ask again.
    private bool _scriptsRefused;

    /// <summary>The script's results, or null when the guest does not know scripts (nothing ran).</summary>
    private async Task<SqlScriptResult?> TryScriptAsync(IReadOnlyList<SqlCommand> statements, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(() => SqlSession.ExecuteScriptAsync(statements, cancellationToken)).ConfigureAwait(false);
        }
        catch (SqlScriptNotSupportedException)
        {
            _scriptsRefused = true;
            return null;
        }
    }

    /// <summary>Most SQL text in one script; a longer batch takes several.</summary>
    public const int ScriptBytes = 256 * 1024;

    private static IEnumerable<List<SqlCommand>> InScripts(IReadOnlyList<SqlCommand> commands)
    {
        var script = new List<SqlCommand>();
        var bytes = 0;
        foreach (var command in commands)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(command.Sql);
            if (script.Count > 0 && (bytes + size > ScriptBytes || script.Count == SqlCommand.MaxScriptStatements))
            {
                yield return script;
                script = [];
                bytes = 0;
            }
            script.Add(command);
            bytes += size;
        }
        yield return script;
    }

    /// <summary>
    /// The guest compiles the statement without running it (a Describe command, an input that changes nothing), so
    /// describing a prepared INSERT never executes it; the row shape comes from declared types alone.
    /// </summary>
    public async ValueTask<IReadOnlyList<PgColumn>?> DescribeAsync(string sql, IReadOnlyList<uint> parameterTypes, CancellationToken cancellationToken)
    {
        var result = await CallAsync(() => SqlSession.DescribeAsync(sql, cancellationToken)).ConfigureAwait(false);
        return SqlResultMapping.ToDescription(result);
    }

    /// <summary>
    /// Ends the session on the guest, which rolls back its open transaction. Skipped when the connection never sent a
    /// statement (the guest does not know the session). If the cluster cannot be reached in time, the guest's
    /// idle-transaction timeout rolls the transaction back later, so a failure here is not an error for anyone.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || SqlSession.Session.LastRequestNumber == 0) return;
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await SqlSession.CloseAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LockstepException or TimeoutException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
        {
            // See above: an open transaction times out on the guest.
        }
    }

    /// <summary>
    /// Cluster-side failures as SQL errors the client can read. Cancellation passes through (PgWire answers 57014).
    /// </summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        var vm = SqlSession.Session.Vm;
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SqlBusyTimeoutException e)
        {
            throw new PgException("55P03", $"could not run the statement: {e.Message}");
        }
        catch (TimeoutException e)
        {
            throw new PgException("08006",
                $"no answer from the cluster for database \"{vm}\"; the statement may or may not have run: {e.Message}");
        }
        catch (LockstepException e) when (e.Status == Status.UnknownVm)
        {
            throw new PgException(PgSqlState.InvalidCatalogName, $"database \"{vm}\" no longer exists (its VM was unprotected)");
        }
        catch (LockstepException e) when (e.Status == Status.TooLarge)
        {
            throw new PgException(PgSqlState.ProgramLimitExceeded, $"statement too large: {e.Message}");
        }
        catch (LockstepException e)
        {
            throw new PgException(PgSqlState.InternalError, $"the cluster refused the statement: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new PgException(PgSqlState.InternalError, $"database \"{vm}\" did not answer like a sql VM: {e.Message}");
        }
    }
}
