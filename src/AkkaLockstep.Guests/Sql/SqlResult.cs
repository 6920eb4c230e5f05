namespace AkkaLockstep.Guests.Sql;

public enum SqlStatus : byte
{
    Ok = 0,
    Error = 1,

    /// <summary>Another session's transaction holds the database; nothing was done. Retry later.</summary>
    Busy = 2,
}

/// <summary>The requesting session's transaction state after the command (PostgreSQL's ReadyForQuery I/T/E).</summary>
public enum SqlTransactionState : byte
{
    Idle = 0,
    InTransaction = 1,

    /// <summary>A statement failed inside the transaction: everything but ROLLBACK (or ROLLBACK TO) is refused.</summary>
    Failed = 2,
}

/// <summary>A result column: its name and its declared type (SQLite decltype; empty for expressions).</summary>
public readonly record struct SqlColumn(string Name, string DeclaredType);

/// <summary>
/// Output of one sql guest command. Wire form (version 1): version byte <c>1</c>, status byte, transaction-state
/// byte; then for Ok the command tag, a varint rows-affected count, a varint column count with each column's name
/// and declared type, a varint row count and the rows (one value per column, see <see cref="SqlWriter"/>); for
/// Error and Busy a SQLSTATE code and a message.
/// </summary>
public sealed class SqlResult
{
    public const byte Version = 1;

    private static readonly SqlColumn[] NoColumns = [];
    private static readonly SqlValue[][] NoRows = [];

    private SqlResult(
        SqlStatus status, SqlTransactionState transactionState, string commandTag, long rowsAffected,
        SqlColumn[] columns, SqlValue[][] rows, string errorCode, string errorMessage)
    {
        Status = status;
        TransactionState = transactionState;
        CommandTag = commandTag;
        RowsAffected = rowsAffected;
        Columns = columns;
        Rows = rows;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
    }

    public SqlStatus Status { get; }

    public SqlTransactionState TransactionState { get; }

    /// <summary>PostgreSQL-style command tag ("SELECT 3", "INSERT 0 1", "UPDATE 2", "CREATE TABLE", "BEGIN", …); empty for an empty statement or a non-Ok result.</summary>
    public string CommandTag { get; }

    /// <summary>Rows inserted, updated or deleted by an INSERT, UPDATE or DELETE (not counting triggers); 0 otherwise.</summary>
    public long RowsAffected { get; }

    public IReadOnlyList<SqlColumn> Columns { get; }

    public IReadOnlyList<IReadOnlyList<SqlValue>> Rows { get; }

    /// <summary>Five-character SQLSTATE for Error and Busy; empty for Ok.</summary>
    public string ErrorCode { get; }

    public string ErrorMessage { get; }

    public bool IsOk => Status == SqlStatus.Ok;

    public static SqlResult Ok(
        SqlTransactionState transactionState, string commandTag, long rowsAffected = 0,
        IReadOnlyList<SqlColumn>? columns = null, IReadOnlyList<IReadOnlyList<SqlValue>>? rows = null)
    {
        var columnArray = columns?.ToArray() ?? NoColumns;
        var rowArray = rows?.Select(r => r.ToArray()).ToArray() ?? NoRows;
        if (rowArray.Any(r => r.Length != columnArray.Length))
            throw new ArgumentException("every row must have one value per column", nameof(rows));
        ArgumentOutOfRangeException.ThrowIfNegative(rowsAffected);
        return new SqlResult(SqlStatus.Ok, transactionState, commandTag, rowsAffected, columnArray, rowArray, "", "");
    }

    public static SqlResult Error(SqlTransactionState transactionState, string code, string message) =>
        new(SqlStatus.Error, transactionState, "", 0, NoColumns, NoRows, code, message);

    public static SqlResult Busy(string message) =>
        new(SqlStatus.Busy, SqlTransactionState.Idle, "", 0, NoColumns, NoRows, SqlStates.LockNotAvailable, message);

    internal static SqlResult FromParts(
        SqlTransactionState transactionState, string commandTag, long rowsAffected, SqlColumn[] columns, SqlValue[][] rows) =>
        new(SqlStatus.Ok, transactionState, commandTag, rowsAffected, columns, rows, "", "");

    /// <summary>Throws <see cref="SqlErrorException"/> unless the result is Ok; returns it otherwise.</summary>
    public SqlResult EnsureSuccess() =>
        Status == SqlStatus.Ok ? this : throw new SqlErrorException(Status, ErrorCode, ErrorMessage);

    public byte[] Encode()
    {
        var writer = new SqlWriter();
        writer.Byte(Version);
        writer.Byte((byte)Status);
        writer.Byte((byte)TransactionState);
        if (Status == SqlStatus.Ok)
        {
            writer.String(CommandTag);
            writer.UVarint((ulong)RowsAffected);
            writer.UVarint((ulong)Columns.Count);
            foreach (var column in Columns)
            {
                writer.String(column.Name);
                writer.String(column.DeclaredType);
            }
            writer.UVarint((ulong)Rows.Count);
            foreach (var row in Rows)
                foreach (var value in row)
                    writer.Value(value);
        }
        else
        {
            writer.String(ErrorCode);
            writer.String(ErrorMessage);
        }
        return writer.ToArray();
    }

    /// <summary>Decodes a result strictly; returns an error text instead of throwing on malformed bytes.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SqlResult? result, out string? error)
    {
        result = null;
        var reader = new SqlReader(bytes);
        if (!reader.Byte(out var version) || version != Version)
        {
            error = reader.Error is null ? $"unsupported sql result version {version}" : "empty sql result";
            return false;
        }
        if (!reader.Byte(out var status) || !reader.Byte(out var state))
        {
            error = "truncated sql result";
            return false;
        }
        if (status > (byte)SqlStatus.Busy) { error = $"unknown sql status {status}"; return false; }
        if (state > (byte)SqlTransactionState.Failed) { error = $"unknown transaction state {state}"; return false; }
        if ((SqlStatus)status != SqlStatus.Ok)
        {
            if (!reader.String(out var code) || !reader.String(out var message))
            {
                error = $"malformed sql result: {reader.Error}";
                return false;
            }
            if (!reader.AtEnd) { error = "trailing bytes after sql result"; return false; }
            result = new SqlResult((SqlStatus)status, (SqlTransactionState)state, "", 0, NoColumns, NoRows, code, message);
            error = null;
            return true;
        }
        if (!reader.String(out var tag) || !reader.UVarint(out var affected) || !reader.Count(out var columnCount, 2))
        {
            error = $"malformed sql result: {reader.Error}";
            return false;
        }
        if (affected > long.MaxValue) { error = "rows affected out of range"; return false; }
        var columns = columnCount == 0 ? NoColumns : new SqlColumn[columnCount];
        for (var i = 0; i < columnCount; i++)
        {
            if (!reader.String(out var name) || !reader.String(out var type))
            {
                error = $"malformed sql result column: {reader.Error}";
                return false;
            }
            columns[i] = new SqlColumn(name, type);
        }
        // Every value takes at least one byte, so a row takes at least columnCount bytes; rows of no columns carry nothing.
        if (!reader.Count(out var rowCount, Math.Max(1, columnCount)))
        {
            error = $"malformed sql result: {reader.Error}";
            return false;
        }
        if (columnCount == 0 && rowCount != 0) { error = "rows in a result without columns"; return false; }
        var rows = rowCount == 0 ? NoRows : new SqlValue[rowCount][];
        for (var r = 0; r < rowCount; r++)
        {
            var row = new SqlValue[columnCount];
            for (var c = 0; c < columnCount; c++)
            {
                if (!reader.Value(out row[c]))
                {
                    error = $"malformed sql result value: {reader.Error}";
                    return false;
                }
            }
            rows[r] = row;
        }
        if (!reader.AtEnd) { error = "trailing bytes after sql result"; return false; }
        result = new SqlResult(SqlStatus.Ok, (SqlTransactionState)state, tag, (long)affected, columns, rows, "", "");
        error = null;
        return true;
    }

    /// <summary>Decodes a result; throws <see cref="InvalidDataException"/> on malformed bytes.</summary>
    public static SqlResult Decode(ReadOnlySpan<byte> bytes) =>
        TryDecode(bytes, out var result, out var error) ? result! : throw new InvalidDataException($"malformed sql result: {error}");

    public override string ToString() => Status switch
    {
        SqlStatus.Ok => $"{CommandTag} ({Columns.Count} columns, {Rows.Count} rows, {TransactionState})",
        _ => $"{Status} {ErrorCode}: {ErrorMessage} ({TransactionState})",
    };
}

/// <summary>A non-Ok <see cref="SqlResult"/> turned into an exception by <see cref="SqlResult.EnsureSuccess"/>.</summary>
public sealed class SqlErrorException(SqlStatus status, string sqlState, string message)
    : Exception($"{sqlState}: {message}")
{
    public SqlStatus Status { get; } = status;

    public string SqlState { get; } = sqlState;

    public string ErrorMessage { get; } = message;
}
