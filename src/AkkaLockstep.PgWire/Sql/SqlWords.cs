using System.Text;

namespace AkkaLockstep.PgWire.Sql;

/// <summary>Small helpers over token lists: keyword checks and the values of string and identifier tokens.</summary>
internal static class SqlWords
{
    public static bool IsWord(this IReadOnlyList<SqlToken> tokens, string sql, int index, string word) =>
        index < tokens.Count && tokens[index].Is(sql, word);

    public static bool ContainsWord(this IReadOnlyList<SqlToken> tokens, string sql, string word) =>
        tokens.Any(t => t.Is(sql, word));

    /// <summary>The value a token stands for: strings and quoted identifiers unquoted, words as written.</summary>
    public static string ValueOf(string sql, SqlToken token)
    {
        var text = token.Text(sql);
        return token.Kind switch
        {
            SqlTokenKind.QuotedIdentifier => Unquote(text, '"'),
            SqlTokenKind.String when text.StartsWith('$') => UndollarQuote(text),
            SqlTokenKind.String when text[0] is 'e' or 'E' => UnescapeBackslashes(Unquote(text[1..], '\'')),
            SqlTokenKind.String when text[0] != '\'' => Unquote(text[1..], '\''),
            SqlTokenKind.String => Unquote(text, '\''),
            _ => text,
        };
    }

    static string Unquote(string text, char quote)
    {
        var inner = text.Length >= 2 && text[^1] == quote ? text[1..^1] : text[1..];
        return inner.Replace(new string(quote, 2), quote.ToString());
    }

    static string UndollarQuote(string text)
    {
        var tag = text[..(text.IndexOf('$', 1) + 1)];
        return text.Length >= 2 * tag.Length && text.EndsWith(tag, StringComparison.Ordinal)
            ? text[tag.Length..^tag.Length]
            : text[tag.Length..];
    }

    static string UnescapeBackslashes(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                result.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var c => c });
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }
}
