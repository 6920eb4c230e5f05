using AkkaLockstep.PgWire.Catalog;
using AkkaLockstep.PgWire.Sql;

namespace AkkaLockstep.PgWire.Server;

internal sealed partial class PgConnection
{
    static readonly IReadOnlyList<PgColumn> ShowAllColumns =
        [new("name", PgTypeOid.Text), new("setting", PgTypeOid.Text), new("description", PgTypeOid.Text)];

    /// <summary>
    /// Runs one planned statement and settles the transaction status the way PostgreSQL does: any error inside a
    /// transaction block fails the block, and a failed block accepts only ROLLBACK (COMMIT becomes ROLLBACK).
    /// </summary>
    async ValueTask<PgStatementResult> RunAsync(PlannedStatement planned, IReadOnlyList<PgParameter> parameters)
    {
        PgStatementResult result;
        if (_status == PgTransactionStatus.Failed && !EndsTransaction(planned))
        {
            result = PgStatementResult.Failure(InFailedTransaction, PgTransactionStatus.Failed);
        }
        else if (_status == PgTransactionStatus.Failed && planned is BackendStatement { Control: TransactionControl.Commit })
        {
            result = await ExecuteOnBackendAsync("ROLLBACK", parameters);
            if (result.Error is null)
                result = PgStatementResult.Command("ROLLBACK", result.TransactionStatus, result.Notices);
        }
        else
        {
            try
            {
                result = planned switch
                {
                    BackendStatement backend => await ExecuteOnBackendAsync(backend.Sql, parameters),
                    PgCatalogQuery query => PgCatalog.Execute(query, _catalogContext, _status),
                    RejectedStatement rejected => PgStatementResult.Failure(rejected.Error, _status),
                    _ => ExecuteSessionCommand(planned),
                };
            }
            catch (PgException e)
            {
                result = PgStatementResult.Failure(e.Error, _status);
            }
        }

        Settle(result);
        return result;
    }

    /// <summary>
    /// Statements for the backend in one call (none in a failed transaction block, where only its end is accepted); the
    /// transaction status settles after each result as for <see cref="RunAsync"/>.
    /// </summary>
    async ValueTask<IReadOnlyList<PgStatementResult>> RunBatchAsync(IReadOnlyList<string> statements)
    {
        IReadOnlyList<PgStatementResult> results;
        try
        {
            results = await WithStatementCancellation(token => _session!.ExecuteBatchAsync(statements, token));
        }
        catch (PgException e)
        {
            results = [PgStatementResult.Failure(e.Error, _status)];
        }

        // A result for each statement run, the batch ending early only at an error: anything else is a backend's fault.
        var wellFormed = results.Count > 0 && results.Count <= statements.Count && results.Take(results.Count - 1).All(r => r.Error is null) &&
                         (results.Count == statements.Count || results[^1].Error is not null);
        if (!wellFormed)
            results = [PgStatementResult.Failure(new PgError(PgSqlState.InternalError,
                $"the backend answered {results.Count} results to {statements.Count} statements"), _status)];
        foreach (var result in results)
            Settle(result);
        return results;
    }

    /// <summary>The transaction status after a statement: an error inside a transaction block fails the block.</summary>
    void Settle(PgStatementResult result) =>
        _status = result.Error is null || result.TransactionStatus == PgTransactionStatus.Idle
            ? result.TransactionStatus
            : PgTransactionStatus.Failed;

    static PgError InFailedTransaction =>
        new(PgSqlState.InFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");

    static bool EndsTransaction(PlannedStatement planned) =>
        planned is BackendStatement { Control: TransactionControl.Commit or TransactionControl.Rollback or TransactionControl.RollbackToSavepoint };

    async ValueTask<PgStatementResult> ExecuteOnBackendAsync(string sql, IReadOnlyList<PgParameter> parameters)
    {
        try
        {
            return await WithStatementCancellation(token => _session!.ExecuteAsync(sql, parameters, token));
        }
        catch (PgException e)
        {
            return PgStatementResult.Failure(e.Error, _status);
        }
    }

    /// <summary>Column metadata of a planned statement without running it; null when it returns no rows.</summary>
    async ValueTask<IReadOnlyList<PgColumn>?> DescribeAsync(PlannedStatement planned, uint[] parameterTypes) => planned switch
    {
        BackendStatement { Control: TransactionControl.None } backend => await DescribeOnBackendAsync(backend.Sql, parameterTypes),
        PgCatalogQuery query => PgCatalog.Columns(query),
        ShowCommand { Name: "all" } => ShowAllColumns,
        ShowCommand show => [new(SessionSettings.CanonicalName(show.Name), PgTypeOid.Text)],
        RejectedStatement rejected => throw new PgException(rejected.Error),
        _ => null,
    };

    async ValueTask<IReadOnlyList<PgColumn>?> DescribeOnBackendAsync(string sql, uint[] parameterTypes)
    {
        var columns = await WithStatementCancellation(token => _session!.DescribeAsync(sql, parameterTypes, token));
        return columns is { Count: > PgStatementResult.MaxColumns }
            ? throw new PgException(PgSqlState.InternalError, $"the backend described more than {PgStatementResult.MaxColumns} columns")
            : columns;
    }

    /// <summary>
    /// Runs a backend call that a CancelRequest can stop: cancellation becomes 57014, a backend fault XX000;
    /// only server shutdown propagates.
    /// </summary>
    async ValueTask<T> WithStatementCancellation<T>(Func<CancellationToken, ValueTask<T>> call)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        lock (_cancelLock)
            _statementCancellation = cancellation;
        try
        {
            return await call(cancellation.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            throw new PgException(PgSqlState.QueryCanceled, "canceling statement due to user request");
        }
        catch (Exception e) when (e is not (PgException or OperationCanceledException))
        {
            throw new PgException(PgSqlState.InternalError, $"backend failure: {e.Message}");
        }
        finally
        {
            lock (_cancelLock)
                _statementCancellation = null;
        }
    }

    /// <summary>SET, SHOW, RESET, DISCARD, DEALLOCATE and no-op statements, answered from the connection's own state.</summary>
    PgStatementResult ExecuteSessionCommand(PlannedStatement planned)
    {
        switch (planned)
        {
            case SetCommand { Name: null }:
                break;
            case SetCommand set:
                Report(set.Value is null ? _settings.Reset(set.Name!) : _settings.Set(set.Name!, set.Value));
                break;
            case ShowCommand { Name: "all" }:
                return PgStatementResult.Query(
                    ShowAllColumns,
                    _settings.All().Select(p => new object?[] { p.Key, p.Value, "" }).ToList(),
                    "SHOW",
                    _status);
            case ShowCommand show:
                return PgStatementResult.Query(
                    [new(SessionSettings.CanonicalName(show.Name), PgTypeOid.Text)],
                    [[_settings.Get(show.Name) ?? throw PgCatalog.UnknownSetting(show.Name)]],
                    "SHOW",
                    _status);
            case ResetCommand { Name: null }:
                _settings.ResetAll().ForEach(p => Report(p));
                return PgStatementResult.Command("RESET", _status);
            case ResetCommand reset:
                Report(_settings.Reset(reset.Name));
                return PgStatementResult.Command("RESET", _status);
            case DiscardCommand { All: true } when _status != PgTransactionStatus.Idle:
                throw new PgException(PgSqlState.ActiveSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
            case DiscardCommand discard:
                if (discard.All)
                {
                    _settings.ResetAll().ForEach(p => Report(p));
                    _statements.Clear();
                    _portals.Clear();
                }

                return PgStatementResult.Command(discard.Tag, _status);
            case DeallocateCommand { Name: null }:
                _statements.Clear();
                return PgStatementResult.Command("DEALLOCATE ALL", _status);
            case DeallocateCommand deallocate:
                if (!_statements.Remove(deallocate.Name))
                    throw new PgException(PgSqlState.InvalidSqlStatementName, $"prepared statement \"{deallocate.Name}\" does not exist");
                return PgStatementResult.Command("DEALLOCATE", _status);
            case NoOpCommand noOp:
                return PgStatementResult.Command(noOp.Tag, _status);
        }

        return PgStatementResult.Command("SET", _status);
    }

    void Report(KeyValuePair<string, string>? parameterStatus)
    {
        if (parameterStatus is { } status)
            _pendingParameterStatus.Add(status);
    }
}
