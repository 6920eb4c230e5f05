namespace AkkaLockstep.PgWire.Sql;

/// <summary>Splits a simple-query text into its statements at top-level semicolons; empty statements are dropped.</summary>
internal static class SqlScript
{
    public static List<string> Split(string sql)
    {
        var statements = new List<string>();
        var first = -1;
        var last = -1;
        foreach (var token in SqlTokenizer.Tokenize(sql))
        {
            if (token.IsSymbol(sql, ';'))
            {
                if (first >= 0)
                    statements.Add(sql[first..last]);
                first = -1;
                continue;
            }

            if (first < 0)
                first = token.Start;
            last = token.End;
        }

        if (first >= 0)
            statements.Add(sql[first..last]);
        return statements;
    }

    /// <summary>The number of parameters a statement uses: its highest $n, or -1 when some $n is out of range.</summary>
    public static int ParameterCount(string sql, IReadOnlyList<SqlToken> tokens)
    {
        var highest = 0;
        foreach (var token in tokens)
        {
            if (token.Kind != SqlTokenKind.Parameter)
                continue;
            if (!int.TryParse(sql.AsSpan(token.Start + 1, token.Length - 1), out var number) || number < 1 || number > ushort.MaxValue)
                return -1;
            highest = Math.Max(highest, number);
        }

        return highest;
    }
}
