using AkkaLockstep.PgWire.Catalog;

namespace AkkaLockstep.PgWire.Sql;

/// <summary>Decides, from its leading keywords, who answers one statement (see <see cref="PlannedStatement"/>).</summary>
internal static class StatementPlanner
{
    static readonly EmptyStatement Empty = new();

    public static PlannedStatement Plan(string sql) => Plan(sql, SqlTokenizer.Tokenize(sql));

    public static PlannedStatement Plan(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count == 0)
            return Empty;
        if (tokens[0].Kind == SqlTokenKind.Word)
        {
            switch (tokens[0].Text(sql).ToUpperInvariant())
            {
                case "SET":
                    return SessionCommandParser.ParseSet(sql, tokens);
                case "SHOW":
                    return SessionCommandParser.ParseShow(sql, tokens);
                case "RESET":
                    return SessionCommandParser.ParseReset(sql, tokens);
                case "DISCARD":
                    return SessionCommandParser.ParseDiscard(sql, tokens);
                case "DEALLOCATE":
                    return SessionCommandParser.ParseDeallocate(sql, tokens);
                case "UNLISTEN":
                    return new NoOpCommand("UNLISTEN");
                case "CLOSE" when tokens.Count == 2 && tokens[1].Is(sql, "ALL"):
                    return new NoOpCommand("CLOSE CURSOR ALL");
                case "BEGIN":
                case "START" when tokens.IsWord(sql, 1, "TRANSACTION"):
                    return new BackendStatement("BEGIN", TransactionControl.Begin);
                case "COMMIT" or "END":
                    return PlanCommit(sql, tokens);
                case "ROLLBACK" or "ABORT":
                    return PlanRollback(sql, tokens);
                case "COPY":
                    return Unsupported("COPY is not supported by the gateway");
                case "LISTEN" or "NOTIFY":
                    return Unsupported("LISTEN and NOTIFY are not supported by the gateway");
                case "PREPARE" or "EXECUTE":
                    return Unsupported("SQL-level PREPARE and EXECUTE are not supported; use the extended query protocol");
                case "DECLARE" or "FETCH" or "MOVE" or "CLOSE":
                    return Unsupported("cursors are not supported by the gateway");
            }
        }

        if (PgCatalog.TryPlan(sql, tokens) is { } catalogQuery)
            return catalogQuery;
        if (PgCatalog.ReferencesCatalog(sql, tokens))
        {
            return Unsupported(
                "this system catalog query is not supported by the AkkaLockstep gateway (it emulates only what drivers need to connect)");
        }

        return new BackendStatement(sql, TransactionControl.None);
    }

    static PlannedStatement PlanCommit(string sql, List<SqlToken> tokens)
    {
        if (tokens.ContainsWord(sql, "PREPARED"))
            return Unsupported("two-phase commit is not supported by the gateway");
        if (tokens.ContainsWord(sql, "CHAIN") && !tokens.ContainsWord(sql, "NO"))
            return Unsupported("COMMIT AND CHAIN is not supported by the gateway");
        return new BackendStatement("COMMIT", TransactionControl.Commit);
    }

    static PlannedStatement PlanRollback(string sql, List<SqlToken> tokens)
    {
        if (tokens.ContainsWord(sql, "PREPARED"))
            return Unsupported("two-phase commit is not supported by the gateway");
        if (tokens.ContainsWord(sql, "TO"))
            return new BackendStatement(sql, TransactionControl.RollbackToSavepoint);
        if (tokens.ContainsWord(sql, "CHAIN") && !tokens.ContainsWord(sql, "NO"))
            return Unsupported("ROLLBACK AND CHAIN is not supported by the gateway");
        return new BackendStatement("ROLLBACK", TransactionControl.Rollback);
    }

    static RejectedStatement Unsupported(string message) => new(new PgError(PgSqlState.FeatureNotSupported, message));
}
