using SQLitePCL;

namespace AkkaLockstep.Guests.Sql;

/// <summary>What a statement does to the transaction, as SQLite's authorizer reports it at prepare time.</summary>
internal enum StatementClass
{
    Other,
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
}

/// <summary>
/// The sql guest's SQLite authorizer. For client statements it refuses everything that would read or write outside
/// the replicated database or depend on the host (see <see cref="Check"/>), and it records how the statement
/// touches the transaction and which top-level write it performs. The guest's own statements (transaction control,
/// digests) run in <see cref="Internal"/> mode and are never refused.
/// </summary>
internal sealed class SqlStatementPolicy
{
    // SQLite authorizer action codes.
    private const int CreateIndex = 1, CreateTable = 2, CreateTrigger = 7, CreateView = 8, CreateTempIndex = 3, CreateTempTable = 4, CreateTempTrigger = 5, CreateTempView = 6,
        Delete = 9, Insert = 18, Pragma = 19, Read = 20, Transaction = 22, Update = 23, Attach = 24, Detach = 25,
        CreateVtable = 29, Function = 31, Savepoint = 32;
    private const int Ok = 0, Deny = 1;

    /// <summary>Pragmas that only query the schema or run a check; any argument allowed.</summary>
    private static readonly HashSet<string> QueryPragmas = new(StringComparer.OrdinalIgnoreCase)
    {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check", "collation_list", "function_list", "module_list",
        "pragma_list", "database_list", "compile_options",
    };

    /// <summary>Pragmas allowed only as reads (no value): the setting lives in the connection or in the file layout.</summary>
    private static readonly HashSet<string> ReadOnlyPragmas = new(StringComparer.OrdinalIgnoreCase)
    {
        "encoding", "foreign_keys", "schema_version", "page_size", "page_count", "freelist_count", "auto_vacuum",
        "recursive_triggers",
    };

    /// <summary>Pragmas that read or write a value stored in the database header (part of the replicated state).</summary>
    private static readonly HashSet<string> HeaderPragmas = new(StringComparer.OrdinalIgnoreCase) { "user_version", "application_id" };

    private static readonly HashSet<string> VirtualTableModules = new(StringComparer.OrdinalIgnoreCase)
    {
        "fts3", "fts4", "fts5", "rtree", "rtree_i32", "geopoly",
    };

    private static readonly HashSet<string> RefusedFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "load_extension",
        // Its one-argument form returns the address of a tokenizer module: differs between processes.
        "fts3_tokenizer",
    };

    private bool _preparing;

    /// <summary>True while the guest runs its own statements: nothing is refused or recorded.</summary>
    public bool Internal { get; set; }

    public StatementClass Class { get; private set; }

    /// <summary>The first top-level INSERT, UPDATE or DELETE on a user table (authorizer code), 0 if none.</summary>
    public int TopLevelWrite { get; private set; }

    /// <summary>Why the last client statement was refused, or null.</summary>
    public string? Denial { get; private set; }

    public void Install(sqlite3 db) => raw.sqlite3_set_authorizer(db, Authorize, null);

    /// <summary>Starts recording for a client statement about to be prepared.</summary>
    public void BeginPrepare()
    {
        Class = StatementClass.Other;
        TopLevelWrite = 0;
        Denial = null;
        _preparing = true;
    }

    public void EndPrepare() => _preparing = false;

    public const int InsertCode = Insert, UpdateCode = Update, DeleteCode = Delete;

    // Only the client statement's own compilation is judged. Statements SQLite or its modules prepare while a client
    // statement runs (FTS5 reading PRAGMA data_version, a pragma table-valued function running its pragma) are the
    // engine's own business; what a client can reach that way is judged when its statement is prepared: reads of
    // pragma_… tables follow the pragma list below.
    private int Authorize(object userData, int action, utf8z p0, utf8z p1, utf8z dbName, utf8z trigger)
    {
        if (Internal || !_preparing) return Ok;
        var arg0 = p0.utf8_to_string();
        var arg1 = p1.utf8_to_string();
        if (trigger.utf8_to_string() is null) Record(action, arg0);
        var refusal = Check(action, arg0, arg1, dbName.utf8_to_string());
        if (refusal is null) return Ok;
        Denial ??= refusal;
        return Deny;
    }

    private void Record(int action, string? arg0)
    {
        switch (action)
        {
            case Transaction:
                Class = arg0 switch { "BEGIN" => StatementClass.Begin, "COMMIT" => StatementClass.Commit, _ => StatementClass.Rollback };
                break;
            case Savepoint:
                Class = arg0 switch { "BEGIN" => StatementClass.Savepoint, "RELEASE" => StatementClass.Release, _ => StatementClass.RollbackTo };
                break;
            case Insert or Update or Delete when TopLevelWrite == 0 && arg0 is not null &&
                                                 !arg0.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase):
                TopLevelWrite = action;
                break;
        }
    }

    /// <summary>
    /// The refusal list: ATTACH/DETACH (other files), temporary objects (kept outside the replicated database),
    /// virtual tables other than FTS3/4/5, R*Tree and Geopoly, <c>load_extension()</c> and <c>fts3_tokenizer()</c>,
    /// and every pragma except schema queries and checks, reads of a few settings, and
    /// <c>user_version</c>/<c>application_id</c> (stored in the database header). Pragma table-valued functions
    /// (<c>pragma_…</c>) are limited to the schema queries and header values.
    /// </summary>
    private static string? Check(int action, string? arg0, string? arg1, string? database)
    {
        switch (action)
        {
            case Attach: return "ATTACH is not allowed in the sql guest (the database is its only file)";
            case Detach: return "DETACH is not allowed in the sql guest";
            case CreateTable or CreateIndex or CreateTrigger or CreateView or CreateVtable
                when string.Equals(database, "temp", StringComparison.OrdinalIgnoreCase):
            case CreateTempTable or CreateTempIndex or CreateTempTrigger or CreateTempView:
                return "temporary tables, indexes, triggers and views are not allowed in the sql guest (they would not be part of its replicated state)";
            case CreateVtable when arg1 is null || !VirtualTableModules.Contains(arg1):
                return $"virtual table module '{arg1}' is not allowed in the sql guest (allowed: {string.Join(", ", VirtualTableModules.Order())})";
            case Function when arg1 is not null && RefusedFunctions.Contains(arg1):
                return $"function {arg1}() is not allowed in the sql guest";
            case Read when arg0 is not null && arg0.StartsWith("pragma_", StringComparison.OrdinalIgnoreCase):
                // A pragma table-valued function: its arguments can set the pragma, so only the query pragmas (and
                // the header values, which may be set anyway) are allowed this way.
                var name = arg0["pragma_".Length..];
                return QueryPragmas.Contains(name) || HeaderPragmas.Contains(name)
                    ? null
                    : $"PRAGMA {name} is not allowed in the sql guest";
            case Pragma:
                if (arg0 is null) return "unnamed pragma";
                if (QueryPragmas.Contains(arg0) || HeaderPragmas.Contains(arg0)) return null;
                if (ReadOnlyPragmas.Contains(arg0)) return arg1 is null ? null : $"PRAGMA {arg0} cannot be changed in the sql guest";
                return $"PRAGMA {arg0} is not allowed in the sql guest";
            default:
                return null;
        }
    }
}
