namespace AkkaLockstep.PgWire.Sql;

/// <summary>
/// A PostgreSQL lexer just deep enough to find statement boundaries, parameters and leading keywords: it knows
/// quoted strings (with '' and, in E'', backslash escapes), quoted identifiers, dollar quoting, -- and nested /* */
/// comments. Unterminated constructs run to the end of the text, as the server's own lexer would report them.
/// </summary>
internal static class SqlTokenizer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                i = sql.IndexOf('\n', i) is var newline and >= 0 ? newline + 1 : sql.Length;
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '\'')
            {
                var end = SkipQuoted(sql, i, '\'', backslashEscapes: false);
                tokens.Add(new(SqlTokenKind.String, i, end - i));
                i = end;
            }
            else if (c == '"')
            {
                var end = SkipQuoted(sql, i, '"', backslashEscapes: false);
                tokens.Add(new(SqlTokenKind.QuotedIdentifier, i, end - i));
                i = end;
            }
            else if (c == '$')
            {
                i = ReadDollar(sql, i, tokens);
            }
            else if (IsWordChar(c))
            {
                var end = i + 1;
                while (end < sql.Length && (IsWordChar(sql[end]) || sql[end] == '$'))
                    end++;
                if (At(sql, end) == '\'' && end - i == 1 && "eEbBxXnN".Contains(c))
                {
                    var stringEnd = SkipQuoted(sql, end, '\'', backslashEscapes: c is 'e' or 'E');
                    tokens.Add(new(SqlTokenKind.String, i, stringEnd - i));
                    i = stringEnd;
                }
                else
                {
                    tokens.Add(new(SqlTokenKind.Word, i, end - i));
                    i = end;
                }
            }
            else
            {
                tokens.Add(new(SqlTokenKind.Symbol, i, 1));
                i++;
            }
        }

        return tokens;
    }

    static char At(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c >= '\u0080';

    static int SkipBlockComment(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                    return i;
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    /// <summary>Index just past the closing quote; a doubled quote is an escaped quote.</summary>
    static int SkipQuoted(string sql, int start, char quote, bool backslashEscapes)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
            }
            else if (c == quote)
            {
                if (At(sql, i + 1) != quote)
                    return i + 1;
                i += 2;
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    /// <summary>$n is a parameter, $tag$ or $$ opens a dollar-quoted string, a lone $ is a symbol.</summary>
    static int ReadDollar(string sql, int start, List<SqlToken> tokens)
    {
        var i = start + 1;
        if (char.IsAsciiDigit(At(sql, i)))
        {
            while (char.IsAsciiDigit(At(sql, i)))
                i++;
            tokens.Add(new(SqlTokenKind.Parameter, start, i - start));
            return i;
        }

        while (i < sql.Length && IsWordChar(sql[i]))
            i++;
        if (At(sql, i) != '$')
        {
            tokens.Add(new(SqlTokenKind.Symbol, start, 1));
            return start + 1;
        }

        var delimiter = sql.Substring(start, i + 1 - start);
        var close = sql.IndexOf(delimiter, i + 1, StringComparison.Ordinal);
        var end = close < 0 ? sql.Length : close + delimiter.Length;
        tokens.Add(new(SqlTokenKind.String, start, end - start));
        return end;
    }
}
