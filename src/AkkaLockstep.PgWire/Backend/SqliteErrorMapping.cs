namespace AkkaLockstep.PgWire;

/// <summary>Maps SQLite result codes (and, for the generic SQLITE_ERROR, its message) to PostgreSQL SQLSTATEs.</summary>
public static class SqliteErrorMapping
{
    public static string ToSqlState(int extendedErrorCode, string message) => extendedErrorCode switch
    {
        275 => "23514",
        787 => "23503",
        1299 => "23502",
        1555 or 2067 or 2579 => "23505",
        3091 => "42804",
        _ => (extendedErrorCode & 0xFF) switch
        {
            1 => FromMessage(message),
            5 or 6 => "55P03",
            7 => "53200",
            8 => "25006",
            9 => PgSqlState.QueryCanceled,
            10 => "58030",
            11 => "XX001",
            13 => "53100",
            18 => PgSqlState.ProgramLimitExceeded,
            19 => "23000",
            20 => "42804",
            25 => PgSqlState.UndefinedParameter,
            _ => PgSqlState.InternalError,
        },
    };

    static string FromMessage(string message)
    {
        if (message.Contains("no such table", StringComparison.OrdinalIgnoreCase))
            return "42P01";
        if (message.Contains("no such column", StringComparison.OrdinalIgnoreCase))
            return "42703";
        if (message.Contains("no such function", StringComparison.OrdinalIgnoreCase))
            return PgSqlState.UndefinedFunction;
        if (message.Contains("already exists", StringComparison.OrdinalIgnoreCase))
            return "42P07";
        if (message.Contains("syntax error", StringComparison.OrdinalIgnoreCase)
            || message.Contains("incomplete input", StringComparison.OrdinalIgnoreCase)
            || message.Contains("unrecognized token", StringComparison.OrdinalIgnoreCase))
            return PgSqlState.SyntaxError;
        if (message.Contains("within a transaction", StringComparison.OrdinalIgnoreCase))
            return PgSqlState.ActiveSqlTransaction;
        if (message.Contains("no transaction is active", StringComparison.OrdinalIgnoreCase))
            return PgSqlState.NoActiveSqlTransaction;
        if (message.Contains("no such savepoint", StringComparison.OrdinalIgnoreCase))
            return "3B001";
        if (message.Contains("datatype mismatch", StringComparison.OrdinalIgnoreCase))
            return "42804";
        return "42000";
    }
}
