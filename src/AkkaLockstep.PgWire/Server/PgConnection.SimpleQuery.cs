using AkkaLockstep.PgWire.Protocol;
using AkkaLockstep.PgWire.Sql;
using AkkaLockstep.PgWire.Types;

namespace AkkaLockstep.PgWire.Server;

internal sealed partial class PgConnection
{
    /// <summary>
    /// A Query message: its statements run one after the other, each answered in text format; the first error
    /// stops the rest. Each statement is its own unit for the backend (PostgreSQL would wrap a multi-statement
    /// Query without BEGIN in one implicit transaction). Several statements that are all for the backend go to it
    /// in one call (<see cref="IPgSession.ExecuteBatchAsync"/>): a transaction sent whole costs one round trip.
    /// </summary>
    async Task SimpleQueryAsync(string sql)
    {
        _statements.Remove("");
        _portals.Remove("");
        var statements = SqlScript.Split(sql);
        if (statements.Count == 0)
            _writer.EmptyQueryResponse();
        var planned = statements.Select(StatementPlanner.Plan).ToList();
        if (planned.Count > 1 && _status != PgTransactionStatus.Failed && planned.All(p => p is BackendStatement))
        {
            foreach (var result in await RunBatchAsync(planned.Cast<BackendStatement>().Select(b => b.Sql).ToList()))
                if (!await WriteResultAsync(result))
                    break;
        }
        else
        {
            foreach (var statement in planned)
            {
                var result = await RunAsync(statement, []);
                if (!await WriteResultAsync(result))
                    break;
            }
        }

        WriteReadyForQuery();
        await FlushAsync(shutdown);
    }

    /// <summary>Writes a whole result in text format; false when it was (or turned into) an error.</summary>
    async Task<bool> WriteResultAsync(PgStatementResult result)
    {
        WriteNotices(result);
        if (result.Error is not null)
        {
            _writer.ErrorResponse(result.Error);
            return false;
        }

        if (result.Columns is { } columns)
        {
            var formats = new short[columns.Count];
            _writer.RowDescription(columns, formats);
            foreach (var row in result.Rows)
            {
                try
                {
                    PgValueEncoder.WriteDataRow(_writer, row, columns, formats);
                }
                catch (PgException e)
                {
                    _writer.ErrorResponse(e.Error);
                    return false;
                }

                if (_writer.Length > FlushThreshold)
                    await FlushAsync(shutdown);
            }
        }

        _writer.CommandComplete(result.CommandTag);
        return true;
    }

    void WriteNotices(PgStatementResult result)
    {
        foreach (var notice in result.Notices)
            _writer.NoticeResponse(notice);
    }
}
