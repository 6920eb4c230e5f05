namespace AkkaLockstep.PgWire.Sql;

internal enum SqlTokenKind
{
    /// <summary>Keyword, unquoted identifier or number.</summary>
    Word,
    QuotedIdentifier,
    /// <summary>Any string constant: '...', E'...', $tag$...$tag$ (and B'', X'', N'' prefixes).</summary>
    String,
    /// <summary>A positional parameter $n.</summary>
    Parameter,
    /// <summary>Any other single character: ; , ( ) . = and operators.</summary>
    Symbol,
}

/// <summary>A token of a SQL text, by position; comments and whitespace produce no tokens.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length)
{
    public int End => Start + Length;

    public string Text(string sql) => sql.Substring(Start, Length);

    public bool Is(string sql, string word) =>
        Kind == SqlTokenKind.Word && sql.AsSpan(Start, Length).Equals(word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string sql, char symbol) => Kind == SqlTokenKind.Symbol && sql[Start] == symbol;
}
