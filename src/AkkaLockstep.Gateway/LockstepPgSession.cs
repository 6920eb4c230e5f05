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
        var values = SqlValueMapping.ToSqlValues(parameters);
        var result = await CallAsync(() => SqlSession.ExecuteAsync(sql, values, cancellationToken)).ConfigureAwait(false);
        return SqlResultMapping.ToPg(result, sql);
    }

    /// <summary>
    /// A multi-statement Query as Script inputs: a transaction sent whole is one request, one replicated round trip, and
    /// holds the database only while it runs. Long batches go in scripts of at most <see cref="ScriptBytes"/> of SQL
    /// (each within the cluster's command size), in order, stopping at the first failure.
    /// </summary>
    public async ValueTask<IReadOnlyList<PgStatementResult>> ExecuteBatchAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        var results = new List<PgStatementResult>(statements.Count);
        foreach (var script in InScripts(statements))
        {
            var answer = _scriptsRefused ? null : await TryScriptAsync(script.Select(i => statements[i]), cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                // Hosts older than scripts (a rolling upgrade): one statement at a time, as before.
                foreach (var i in script)
                {
                    PgStatementResult result;
                    try
                    {
                        result = await ExecuteAsync(statements[i], [], cancellationToken).ConfigureAwait(false);
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
                results.Add(SqlResultMapping.ToPg(answer.Results[i], statements[script[i]]));
            if (answer.Results.Count < script.Count || !answer.Results[^1].IsOk) break;
        }
        return results;
    }

    // Set once the VM's guest refused a script: this session does not ask again.
    private bool _scriptsRefused;

    /// <summary>The script's results, or null when the guest does not know scripts (nothing ran).</summary>
    private async Task<SqlScriptResult?> TryScriptAsync(IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(() => SqlSession.ExecuteScriptAsync(statements.Select(s => SqlCommand.Execute(s)), cancellationToken))
                .ConfigureAwait(false);
        }
        catch (SqlScriptNotSupportedException)
        {
            _scriptsRefused = true;
            return null;
        }
    }

    /// <summary>Most SQL text in one script; a longer batch takes several.</summary>
    public const int ScriptBytes = 256 * 1024;

    private static IEnumerable<List<int>> InScripts(IReadOnlyList<string> statements)
    {
        var script = new List<int>();
        var bytes = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(statements[i]);
            if (script.Count > 0 && (bytes + size > ScriptBytes || script.Count == SqlCommand.MaxScriptStatements))
            {
                yield return script;
                script = [];
                bytes = 0;
            }
            script.Add(i);
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
