using System.Text;
using AkkaLockstep.PgWire.Sql;
using AkkaLockstep.PgWire.Types;

namespace AkkaLockstep.PgWire.Catalog;

/// <summary>
/// Recognises the catalog and server-function queries drivers send on their own (Npgsql's type loading,
/// version(), current_setting(), pg_advisory_unlock_all() on connection reset, ...) and answers them from the
/// gateway's built-in type list. Queries are matched by token shape, so whitespace and comments do not matter.
/// Other queries over the system catalogs are refused rather than passed to a backend that has no catalogs.
/// </summary>
internal static class PgCatalog
{
    const string TypeLoadingShape = "select ns . nspname , t . oid , t . typname , t . typtype , t . typnotnull , t . elemtypoid from";
    const string CompositeFieldsShape = "select typ . oid , att . attname , att . atttypid from pg_type";
    const string EnumLabelsShape = "select typ . oid , enumlabel from pg_enum";

    public static PgCatalogQuery? TryPlan(string sql, List<SqlToken> tokens)
    {
        if (tokens.Count < 2 || !tokens.IsWord(sql, 0, "SELECT"))
            return null;
        var shape = Shape(sql, tokens);
        if (shape.StartsWith(TypeLoadingShape, StringComparison.Ordinal))
            return new(PgCatalogQueryKind.TypeLoading, "");
        if (shape.StartsWith(CompositeFieldsShape, StringComparison.Ordinal))
            return new(PgCatalogQueryKind.CompositeFields, "");
        if (shape.StartsWith(EnumLabelsShape, StringComparison.Ordinal))
            return new(PgCatalogQueryKind.EnumLabels, "");

        var call = shape.StartsWith("select pg_catalog . ", StringComparison.Ordinal) ? shape[20..] : shape[7..];
        return call switch
        {
            "version ( )" => new(PgCatalogQueryKind.Version, "version"),
            "current_database ( )" => new(PgCatalogQueryKind.CurrentDatabase, "current_database"),
            "current_schema ( )" or "current_schema" => new(PgCatalogQueryKind.CurrentSchema, "current_schema"),
            "current_user" or "session_user" or "user" => new(PgCatalogQueryKind.CurrentUser, call),
            "pg_advisory_unlock_all ( )" => new(PgCatalogQueryKind.AdvisoryUnlockAll, "pg_advisory_unlock_all"),
            "pg_backend_pid ( )" => new(PgCatalogQueryKind.BackendPid, "pg_backend_pid"),
            _ when IsCurrentSettingCall(sql, tokens) is { } name => new(PgCatalogQueryKind.CurrentSetting, "current_setting", name),
            _ => null,
        };
    }

    /// <summary>True when the statement names a system schema or a pg_* relation (pg_* function calls are left to the backend).</summary>
    public static bool ReferencesCatalog(string sql, List<SqlToken> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind != SqlTokenKind.Word)
                continue;
            var word = tokens[i].Text(sql);
            if (word.Equals("pg_catalog", StringComparison.OrdinalIgnoreCase) || word.Equals("information_schema", StringComparison.OrdinalIgnoreCase))
                return true;
            if (word.StartsWith("pg_", StringComparison.OrdinalIgnoreCase) && !(i + 1 < tokens.Count && tokens[i + 1].IsSymbol(sql, '(')))
                return true;
        }

        return false;
    }

    public static IReadOnlyList<PgColumn> Columns(PgCatalogQuery query) => query.Kind switch
    {
        PgCatalogQueryKind.Version => [new(query.ColumnName, PgTypeOid.Text)],
        PgCatalogQueryKind.TypeLoading =>
        [
            new("nspname", PgTypeOid.Name), new("oid", PgTypeOid.Oid), new("typname", PgTypeOid.Name),
            new("typtype", PgTypeOid.Char), new("typnotnull", PgTypeOid.Bool), new("elemtypoid", PgTypeOid.Oid),
        ],
        PgCatalogQueryKind.CompositeFields => [new("oid", PgTypeOid.Oid), new("attname", PgTypeOid.Name), new("atttypid", PgTypeOid.Oid)],
        PgCatalogQueryKind.EnumLabels => [new("oid", PgTypeOid.Oid), new("enumlabel", PgTypeOid.Name)],
        PgCatalogQueryKind.CurrentSetting => [new(query.ColumnName, PgTypeOid.Text)],
        PgCatalogQueryKind.AdvisoryUnlockAll => [new(query.ColumnName, PgTypeOid.Void)],
        PgCatalogQueryKind.BackendPid => [new(query.ColumnName, PgTypeOid.Int4)],
        _ => [new(query.ColumnName, PgTypeOid.Name)],
    };

    public static PgStatementResult Execute(PgCatalogQuery query, PgCatalogContext context, PgTransactionStatus status)
    {
        List<object?[]> rows = query.Kind switch
        {
            PgCatalogQueryKind.Version => [[context.VersionText]],
            PgCatalogQueryKind.TypeLoading => PgBuiltinTypes.All
                .Select(t => new object?[] { "pg_catalog", (long)t.Oid, t.Name, t.Kind.ToString(), false, null })
                .ToList(),
            PgCatalogQueryKind.CompositeFields or PgCatalogQueryKind.EnumLabels => [],
            PgCatalogQueryKind.CurrentDatabase => [[context.Database]],
            PgCatalogQueryKind.CurrentSchema => [["public"]],
            PgCatalogQueryKind.CurrentUser => [[context.User]],
            PgCatalogQueryKind.CurrentSetting => [[context.Setting(query.Argument!) ?? throw UnknownSetting(query.Argument!)]],
            PgCatalogQueryKind.AdvisoryUnlockAll => [[""]],
            PgCatalogQueryKind.BackendPid => [[(long)context.ProcessId]],
            _ => throw new ArgumentOutOfRangeException(nameof(query)),
        };
        return PgStatementResult.Query(Columns(query), rows, $"SELECT {rows.Count}", status);
    }

    public static PgException UnknownSetting(string name) =>
        new(PgSqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");

    /// <summary>The statement's tokens, lower-cased and separated by single spaces (string constants kept verbatim).</summary>
    static string Shape(string sql, List<SqlToken> tokens)
    {
        var shape = new StringBuilder();
        foreach (var token in tokens.Take(40))
        {
            if (shape.Length > 0)
                shape.Append(' ');
            var text = token.Text(sql);
            shape.Append(token.Kind == SqlTokenKind.Word ? text.ToLowerInvariant() : text);
        }

        return shape.ToString();
    }

    /// <summary>The setting name of <c>SELECT [pg_catalog.]current_setting('name')</c>, else null.</summary>
    static string? IsCurrentSettingCall(string sql, List<SqlToken> tokens)
    {
        var i = tokens.IsWord(sql, 1, "pg_catalog") && tokens.Count > 2 && tokens[2].IsSymbol(sql, '.') ? 3 : 1;
        return tokens.Count == i + 4
               && tokens[i].Is(sql, "current_setting")
               && tokens[i + 1].IsSymbol(sql, '(')
               && tokens[i + 2].Kind == SqlTokenKind.String
               && tokens[i + 3].IsSymbol(sql, ')')
            ? SqlWords.ValueOf(sql, tokens[i + 2]).ToLowerInvariant()
            : null;
    }
}
