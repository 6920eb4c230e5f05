using System.Text.RegularExpressions;
using SQLitePCL;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>
/// Runs statements through SQLite's C API (what the replicated guest will do): parameters bound by their names
/// $1..$n, values returned as storage classes, column OIDs from <see cref="SqliteTypeMapping"/>, tags from
/// <see cref="PgCommandTags"/>. pg_sleep(seconds) is emulated so tests have a long statement to cancel.
/// </summary>
internal sealed partial class SqliteTestSession(SqliteTestDatabase database, SqliteTestBackend backend) : IPgSession
{
    const int SqliteRow = 100;
    const int SqliteDone = 101;

    bool _inTransaction;
    bool _hasTurn;
    bool _disposed;

    PgTransactionStatus Status => _inTransaction ? PgTransactionStatus.InTransaction : PgTransactionStatus.Idle;

    sqlite3 Handle => database.Connection.Handle!;

    public async ValueTask<PgStatementResult> ExecuteAsync(string sql, IReadOnlyList<PgParameter> parameters, CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken);
        try
        {
            if (PgSleep().Match(sql) is { Success: true } sleep)
            {
                backend.SleepStarted.Release();
                await Task.Delay(TimeSpan.FromSeconds(double.Parse(sleep.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
                return PgStatementResult.Query([new("pg_sleep", PgTypeOid.Void)], [[""]], "SELECT 1", Status);
            }

            return sql switch
            {
                "BEGIN" when _inTransaction => PgStatementResult.Command(
                    "BEGIN", Status, [new PgNotice(PgSqlState.ActiveSqlTransaction, "there is already a transaction in progress")]),
                "COMMIT" or "ROLLBACK" when !_inTransaction => PgStatementResult.Command(
                    sql, Status, [new PgNotice(PgSqlState.NoActiveSqlTransaction, "there is no transaction in progress")]),
                _ => Run(sql, parameters),
            };
        }
        finally
        {
            ReleaseTurnUnlessInTransaction();
        }
    }

    public async ValueTask<IReadOnlyList<PgColumn>?> DescribeAsync(string sql, IReadOnlyList<uint> parameterTypes, CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken);
        try
        {
            using var statement = Prepare(sql);
            var count = raw.sqlite3_column_count(statement);
            if (count == 0)
                return null;
            return Enumerable.Range(0, count)
                .Select(i => new PgColumn(
                    raw.sqlite3_column_name(statement, i).utf8_to_string(),
                    SqliteTypeMapping.ForDescribe(raw.sqlite3_column_decltype(statement, i).utf8_to_string())))
                .ToList();
        }
        finally
        {
            ReleaseTurnUnlessInTransaction();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_inTransaction)
        {
            await TakeTurnAsync(CancellationToken.None);
            raw.sqlite3_exec(Handle, "ROLLBACK");
            _inTransaction = false;
            ReleaseTurnUnlessInTransaction();
        }

        backend.SessionClosed();
    }

    PgStatementResult Run(string sql, IReadOnlyList<PgParameter> parameters)
    {
        try
        {
            return Step(sql, parameters);
        }
        finally
        {
            _inTransaction = raw.sqlite3_get_autocommit(Handle) == 0;
        }
    }

    PgStatementResult Step(string sql, IReadOnlyList<PgParameter> parameters)
    {
        using var statement = Prepare(sql);
        for (var i = 0; i < parameters.Count; i++)
        {
            var index = raw.sqlite3_bind_parameter_index(statement, "$" + (i + 1));
            if (index > 0)
                Bind(statement, index, parameters[i].Value);
        }

        var columnCount = raw.sqlite3_column_count(statement);
        var rows = new List<object?[]>();
        while (true)
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == SqliteDone)
                break;
            if (rc != SqliteRow)
                throw Error();
            var row = new object?[columnCount];
            for (var c = 0; c < columnCount; c++)
                row[c] = ReadValue(statement, c);
            rows.Add(row);
        }

        _inTransaction = raw.sqlite3_get_autocommit(Handle) == 0;
        var tag = PgCommandTags.For(sql, raw.sqlite3_changes(Handle), rows.Count);
        if (columnCount == 0)
            return PgStatementResult.Command(tag, Status);
        var columns = Enumerable.Range(0, columnCount)
            .Select(c => new PgColumn(
                raw.sqlite3_column_name(statement, c).utf8_to_string(),
                SqliteTypeMapping.ForColumn(raw.sqlite3_column_decltype(statement, c).utf8_to_string(), rows.Select(r => r[c]))))
            .ToList();
        return PgStatementResult.Query(columns, rows, tag, Status);
    }

    sqlite3_stmt Prepare(string sql)
    {
        if (raw.sqlite3_prepare_v2(Handle, sql, out var statement) != 0)
            throw Error();
        return statement;
    }

    static void Bind(sqlite3_stmt statement, int index, object? value)
    {
        switch (value)
        {
            case null:
                raw.sqlite3_bind_null(statement, index);
                break;
            case long l:
                raw.sqlite3_bind_int64(statement, index, l);
                break;
            case bool b:
                raw.sqlite3_bind_int64(statement, index, b ? 1 : 0);
                break;
            case double d:
                raw.sqlite3_bind_double(statement, index, d);
                break;
            case byte[] bytes:
                raw.sqlite3_bind_blob(statement, index, bytes);
                break;
            default:
                raw.sqlite3_bind_text(statement, index, (string)value);
                break;
        }
    }

    static object? ReadValue(sqlite3_stmt statement, int column) => raw.sqlite3_column_type(statement, column) switch
    {
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, column),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, column),
        raw.SQLITE_TEXT => raw.sqlite3_column_text(statement, column).utf8_to_string(),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, column).ToArray(),
        _ => null,
    };

    PgException Error()
    {
        var message = raw.sqlite3_errmsg(Handle).utf8_to_string();
        return new PgException(SqliteErrorMapping.ToSqlState(raw.sqlite3_extended_errcode(Handle), message), message);
    }

    async Task TakeTurnAsync(CancellationToken cancellationToken)
    {
        if (_hasTurn)
            return;
        await database.Turn.WaitAsync(cancellationToken);
        _hasTurn = true;
    }

    void ReleaseTurnUnlessInTransaction()
    {
        if (!_hasTurn || _inTransaction)
            return;
        _hasTurn = false;
        database.Turn.Release();
    }

    [GeneratedRegex(@"^\s*select\s+pg_sleep\s*\(\s*([0-9.]+)\s*\)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex PgSleep();
}
