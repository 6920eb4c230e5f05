using System.Globalization;
using AkkaLockstep.PgWire.Sql;

namespace AkkaLockstep.PgWire;

/// <summary>CommandComplete tags as PostgreSQL spells them, derived from a statement's leading keywords.</summary>
public static class PgCommandTags
{
    static readonly HashSet<string> ObjectModifiers = new(StringComparer.OrdinalIgnoreCase)
    {
        "OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "VIRTUAL", "UNLOGGED", "GLOBAL", "LOCAL", "IF", "NOT", "EXISTS",
    };

    /// <summary>
    /// "SELECT n" (n = rows returned), "INSERT 0 n", "UPDATE n", "DELETE n" (n = rows affected), "CREATE TABLE",
    /// "DROP INDEX", "BEGIN", "COMMIT", "ROLLBACK", ..., or the statement's first keyword in upper case.
    /// </summary>
    public static string For(string sql, long rowsAffected, long rowsReturned)
    {
        var tokens = SqlTokenizer.Tokenize(sql);
        var verb = MainVerb(sql, tokens);
        var affected = rowsAffected.ToString(CultureInfo.InvariantCulture);
        switch (verb)
        {
            case "SELECT" or "VALUES" or "TABLE":
                return "SELECT " + rowsReturned.ToString(CultureInfo.InvariantCulture);
            case "INSERT" or "REPLACE":
                return "INSERT 0 " + affected;
            case "UPDATE" or "DELETE" or "MERGE":
                return verb + " " + affected;
            case "CREATE" or "DROP" or "ALTER":
                var noun = tokens.Skip(1).FirstOrDefault(t => t.Kind == SqlTokenKind.Word && !ObjectModifiers.Contains(t.Text(sql)));
                return noun.Length > 0 ? verb + " " + noun.Text(sql).ToUpperInvariant() : verb;
            case "START" or "BEGIN":
                return "BEGIN";
            case "END" or "COMMIT":
                return "COMMIT";
            case "ABORT" or "ROLLBACK":
                return "ROLLBACK";
            default:
                return verb;
        }
    }

    /// <summary>The first keyword; for WITH, the first data-changing or SELECT keyword outside parentheses after the CTEs.</summary>
    static string MainVerb(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count == 0 || tokens[0].Kind != SqlTokenKind.Word)
            return "";
        var first = tokens[0].Text(sql).ToUpperInvariant();
        if (first != "WITH")
            return first;
        var depth = 0;
        foreach (var token in tokens.Skip(1))
        {
            if (token.IsSymbol(sql, '('))
                depth++;
            else if (token.IsSymbol(sql, ')'))
                depth--;
            else if (depth == 0 && token.Kind == SqlTokenKind.Word && token.Text(sql).ToUpperInvariant() is var word
                     && word is "SELECT" or "INSERT" or "UPDATE" or "DELETE" or "REPLACE" or "VALUES")
                return word;
        }

        return "SELECT";
    }
}
