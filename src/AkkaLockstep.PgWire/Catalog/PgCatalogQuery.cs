using AkkaLockstep.PgWire.Sql;

namespace AkkaLockstep.PgWire.Catalog;

internal enum PgCatalogQueryKind
{
    Version,
    /// <summary>Npgsql's pg_type query, sent on its first connection to a database.</summary>
    TypeLoading,
    CompositeFields,
    EnumLabels,
    CurrentDatabase,
    CurrentSchema,
    CurrentUser,
    CurrentSetting,
    AdvisoryUnlockAll,
    BackendPid,
}

/// <summary>A catalog or server-function query the gateway answers from its own small catalog.</summary>
internal sealed record PgCatalogQuery(PgCatalogQueryKind Kind, string ColumnName, string? Argument = null) : PlannedStatement;

/// <summary>What catalog answers depend on: the connection's identity and settings.</summary>
internal sealed record PgCatalogContext(string User, string Database, int ProcessId, string VersionText, Func<string, string?> Setting);
