namespace AkkaLockstep.PgWire;

/// <summary>
/// The outcome of one statement: rows with their columns, or only a command tag, or an error; each with the
/// transaction status after the statement. Row values are null, <see cref="long"/>, <see cref="double"/>,
/// <see cref="string"/>, <see cref="byte"/>[] or <see cref="bool"/> (SQLite's storage classes plus booleans);
/// the gateway converts them to each column's type.
/// </summary>
public sealed class PgStatementResult
{
    /// <summary>PostgreSQL's limit on result columns (MaxTupleAttributeNumber); RowDescription counts them in 16 bits.</summary>
    public const int MaxColumns = 1664;

    static readonly IReadOnlyList<object?[]> NoRows = [];

    PgStatementResult(
        IReadOnlyList<PgColumn>? columns,
        IReadOnlyList<object?[]> rows,
        string commandTag,
        PgTransactionStatus transactionStatus,
        PgError? error,
        IReadOnlyList<PgNotice> notices)
    {
        Columns = columns;
        Rows = rows;
        CommandTag = commandTag;
        TransactionStatus = transactionStatus;
        Error = error;
        Notices = notices;
    }

    /// <summary>Result columns; null when the statement returns no rows (the client gets NoData).</summary>
    public IReadOnlyList<PgColumn>? Columns { get; }

    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>CommandComplete tag, e.g. "SELECT 3", "INSERT 0 1", "UPDATE 2", "BEGIN" (see <see cref="PgCommandTags"/>).</summary>
    public string CommandTag { get; }

    public PgTransactionStatus TransactionStatus { get; }

    public PgError? Error { get; }

    public IReadOnlyList<PgNotice> Notices { get; }

    public static PgStatementResult Query(
        IReadOnlyList<PgColumn> columns,
        IReadOnlyList<object?[]> rows,
        string commandTag,
        PgTransactionStatus transactionStatus,
        IReadOnlyList<PgNotice>? notices = null)
    {
        if (columns.Count > MaxColumns)
            throw new ArgumentException($"A result has {columns.Count} columns; at most {MaxColumns} are allowed.", nameof(columns));
        foreach (var row in rows)
        {
            if (row.Length != columns.Count)
                throw new ArgumentException($"A row has {row.Length} values for {columns.Count} columns.", nameof(rows));
        }

        return new(columns, rows, commandTag, transactionStatus, null, notices ?? []);
    }

    public static PgStatementResult Command(
        string commandTag,
        PgTransactionStatus transactionStatus,
        IReadOnlyList<PgNotice>? notices = null) =>
        new(null, NoRows, commandTag, transactionStatus, null, notices ?? []);

    public static PgStatementResult Failure(
        PgError error,
        PgTransactionStatus transactionStatus,
        IReadOnlyList<PgNotice>? notices = null) =>
        new(null, NoRows, "", transactionStatus, error, notices ?? []);
}
