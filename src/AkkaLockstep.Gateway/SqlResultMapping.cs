using AkkaLockstep.Guests.Sql;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Gateway;

/// <summary>The sql guest's results as PgWire statement results.</summary>
public static class SqlResultMapping
{
    public static PgTransactionStatus ToPg(SqlTransactionState state) => state switch
    {
        SqlTransactionState.InTransaction => PgTransactionStatus.InTransaction,
        SqlTransactionState.Failed => PgTransactionStatus.Failed,
        _ => PgTransactionStatus.Idle,
    };

    /// <summary>
    /// Ok with columns becomes rows typed by <see cref="SqliteTypeMapping.ForColumn"/> (declared type if every value
    /// fits it, else the values' storage class); Ok without columns a command; Error a failure with its SQLSTATE.
    /// The guest's PostgreSQL-style tag is kept; <see cref="PgCommandTags"/> fills in when it has none.
    /// </summary>
    public static PgStatementResult ToPg(SqlResult result, string sql)
    {
        var status = ToPg(result.TransactionState);
        if (result.Status != SqlStatus.Ok)
            return PgStatementResult.Failure(new PgError(result.ErrorCode, result.ErrorMessage), status);
        var tag = result.CommandTag.Length > 0 ? result.CommandTag : PgCommandTags.For(sql, result.RowsAffected, result.Rows.Count);
        if (result.Columns.Count == 0)
            return PgStatementResult.Command(tag, status);
        if (result.Columns.Count > PgStatementResult.MaxColumns)
        {
            return PgStatementResult.Failure(new PgError(PgSqlState.ProgramLimitExceeded,
                $"the result has {result.Columns.Count} columns; PostgreSQL clients take at most {PgStatementResult.MaxColumns}"), status);
        }

        var rows = new object?[result.Rows.Count][];
        for (var r = 0; r < rows.Length; r++)
        {
            var source = result.Rows[r];
            var row = new object?[source.Count];
            for (var c = 0; c < row.Length; c++) row[c] = source[c].ToObject();
            rows[r] = row;
        }
        var columns = new PgColumn[result.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var column = result.Columns[c];
            var index = c;
            columns[c] = new PgColumn(column.Name, SqliteTypeMapping.ForColumn(column.DeclaredType, rows.Select(row => row[index])));
        }
        return PgStatementResult.Query(columns, rows, tag, status);
    }

    /// <summary>A Describe answer: null for a statement that returns no rows, else each column typed by its declaration alone.</summary>
    public static IReadOnlyList<PgColumn>? ToDescription(SqlResult result)
    {
        if (result.Status != SqlStatus.Ok) throw new PgException(result.ErrorCode, result.ErrorMessage);
        if (result.Columns.Count == 0) return null;
        return result.Columns.Select(c => new PgColumn(c.Name, SqliteTypeMapping.ForDescribe(c.DeclaredType))).ToList();
    }
}
