namespace AkkaLockstep.Guests.Sql;

/// <summary>Just enough lexing of SQL text for the guest: leading keywords, and whether a tail holds another statement.</summary>
internal static class SqlText
{
    /// <summary>The first <paramref name="max"/> bare words of the statement, upper-cased (comments and whitespace skipped; stops at anything else).</summary>
    public static string[] LeadingKeywords(ReadOnlySpan<byte> sql, int max = 4)
    {
        var words = new List<string>(max);
        var i = 0;
        while (words.Count < max)
        {
            i = SkipBlank(sql, i);
            if (i >= sql.Length || !IsWordStart(sql[i])) break;
            var start = i;
            while (i < sql.Length && IsWordPart(sql[i])) i++;
            words.Add(System.Text.Encoding.ASCII.GetString(sql[start..i]).ToUpperInvariant());
        }
        return words.ToArray();
    }

    /// <summary>Offset of the first statement: past leading whitespace, comments and empty statements (semicolons).</summary>
    public static int SkipEmptyStatements(ReadOnlySpan<byte> sql)
    {
        var i = 0;
        while (true)
        {
            i = SkipBlank(sql, i);
            if (i >= sql.Length || sql[i] != (byte)';') return i;
            i++;
        }
    }

    /// <summary>True when the text holds nothing but whitespace, comments and semicolons.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> sql) => SkipEmptyStatements(sql) == sql.Length;

    private static int SkipBlank(ReadOnlySpan<byte> sql, int i)
    {
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f') { i++; continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                i += 2;
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                i += 2;
                while (i < sql.Length && !(sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')) i++;
                i = Math.Min(sql.Length, i + 2);
                continue;
            }
            break;
        }
        return i;
    }

    private static bool IsWordStart(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_';

    private static bool IsWordPart(byte c) => IsWordStart(c) || c is >= (byte)'0' and <= (byte)'9';
}
