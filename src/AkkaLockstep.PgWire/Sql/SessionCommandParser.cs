using System.Text;

namespace AkkaLockstep.PgWire.Sql;

/// <summary>Parses the session statements the gateway answers itself: SET, SHOW, RESET, DISCARD, DEALLOCATE.</summary>
internal static class SessionCommandParser
{
    static readonly string[] IgnoredSetTargets = ["TRANSACTION", "CHARACTERISTICS", "AUTHORIZATION", "ROLE", "CONSTRAINTS"];

    public static PlannedStatement ParseSet(string sql, List<SqlToken> tokens)
    {
        var i = 1;
        if (tokens.IsWord(sql, i, "SESSION") || tokens.IsWord(sql, i, "LOCAL"))
            i++;
        if (i >= tokens.Count)
            return SyntaxError(sql);
        if (IgnoredSetTargets.Any(word => tokens.IsWord(sql, i, word)))
            return new SetCommand(null, null);
        if (tokens.IsWord(sql, i, "TIME") && tokens.IsWord(sql, i + 1, "ZONE"))
            return SetValue(sql, tokens, "timezone", i + 2);
        if (tokens.IsWord(sql, i, "NAMES"))
            return SetValue(sql, tokens, "client_encoding", i + 1);
        if (ReadName(sql, tokens, ref i) is not { } name)
            return SyntaxError(sql);
        if (tokens.IsWord(sql, i, "FROM") && tokens.IsWord(sql, i + 1, "CURRENT"))
            return new SetCommand(null, null);
        if (i < tokens.Count && (tokens[i].Is(sql, "TO") || tokens[i].IsSymbol(sql, '=')))
            return SetValue(sql, tokens, name, i + 1);
        return SyntaxError(sql);
    }

    public static PlannedStatement ParseShow(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count == 2 && tokens[1].Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier)
            return new ShowCommand(NameOf(sql, tokens[1]));
        var words = string.Join(' ', tokens.Skip(1).Select(t => t.Text(sql).ToLowerInvariant()));
        return words switch
        {
            "time zone" => new ShowCommand("timezone"),
            "transaction isolation level" => new ShowCommand("transaction_isolation"),
            "session authorization" => new ShowCommand("session_authorization"),
            _ => tokens.Count > 1 && ReadNameAt(sql, tokens, 1) is { } name ? new ShowCommand(name) : SyntaxError(sql),
        };
    }

    public static PlannedStatement ParseReset(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count == 2 && tokens[1].Is(sql, "ALL"))
            return new ResetCommand(null);
        if (tokens.Count == 3 && tokens[1].Is(sql, "TIME") && tokens[2].Is(sql, "ZONE"))
            return new ResetCommand("timezone");
        if (tokens.Count == 3 && tokens[1].Is(sql, "SESSION") && tokens[2].Is(sql, "AUTHORIZATION"))
            return new NoOpCommand("RESET");
        return tokens.Count > 1 && ReadNameAt(sql, tokens, 1) is { } name ? new ResetCommand(name) : SyntaxError(sql);
    }

    public static PlannedStatement ParseDiscard(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count != 2)
            return SyntaxError(sql);
        return tokens[1].Text(sql).ToUpperInvariant() switch
        {
            "ALL" => new DiscardCommand("DISCARD ALL", All: true),
            "PLANS" => new DiscardCommand("DISCARD PLANS", All: false),
            "SEQUENCES" => new DiscardCommand("DISCARD SEQUENCES", All: false),
            "TEMP" or "TEMPORARY" => new DiscardCommand("DISCARD TEMP", All: false),
            _ => SyntaxError(sql),
        };
    }

    public static PlannedStatement ParseDeallocate(string sql, List<SqlToken> tokens)
    {
        var i = tokens.IsWord(sql, 1, "PREPARE") ? 2 : 1;
        if (tokens.Count != i + 1)
            return SyntaxError(sql);
        return tokens[i].Is(sql, "ALL") ? new DeallocateCommand(null) : new DeallocateCommand(SqlWords.ValueOf(sql, tokens[i]));
    }

    public static RejectedStatement SyntaxError(string sql) =>
        new(new PgError(PgSqlState.SyntaxError, $"syntax error in \"{(sql.Length > 60 ? sql[..60] + "..." : sql)}\""));

    static PlannedStatement SetValue(string sql, List<SqlToken> tokens, string name, int start)
    {
        if (start >= tokens.Count)
            return SyntaxError(sql);
        if (start == tokens.Count - 1 && (tokens[start].Is(sql, "DEFAULT") || (name == "timezone" && tokens[start].Is(sql, "LOCAL"))))
            return new SetCommand(name, null);
        var value = new StringBuilder();
        var previous = SqlTokenKind.Symbol;
        for (var i = start; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsSymbol(sql, ','))
            {
                value.Append(", ");
                previous = SqlTokenKind.Symbol;
                continue;
            }

            if (previous != SqlTokenKind.Symbol && token.Kind != SqlTokenKind.Symbol)
                value.Append(' ');
            value.Append(SqlWords.ValueOf(sql, token));
            previous = token.Kind;
        }

        return new SetCommand(name, value.ToString());
    }

    static string? ReadNameAt(string sql, List<SqlToken> tokens, int start)
    {
        var i = start;
        return ReadName(sql, tokens, ref i) is { } name && i == tokens.Count ? name : null;
    }

    /// <summary>A parameter name, possibly qualified (a.b); advances past it.</summary>
    static string? ReadName(string sql, List<SqlToken> tokens, ref int i)
    {
        if (i >= tokens.Count || tokens[i].Kind is not (SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier))
            return null;
        var name = NameOf(sql, tokens[i++]);
        while (i + 1 < tokens.Count && tokens[i].IsSymbol(sql, '.') && tokens[i + 1].Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier)
        {
            name += "." + NameOf(sql, tokens[i + 1]);
            i += 2;
        }

        return name;
    }

    static string NameOf(string sql, SqlToken token) =>
        token.Kind == SqlTokenKind.Word ? token.Text(sql).ToLowerInvariant() : SqlWords.ValueOf(sql, token);
}
