namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// The SQLSTATE codes the sql guest reports (PostgreSQL's codes where one fits), and the mapping of SQLite's
/// errors to them. The mapping uses SQLite's extended result code first and its (deterministic) message for the
/// many errors SQLite reports as plain SQLITE_ERROR.
/// </summary>
public static class SqlStates
{
    public const string SyntaxError = "42601";
    public const string UndefinedTable = "42P01";
    public const string UndefinedColumn = "42703";
    public const string UndefinedFunction = "42883";
    public const string UndefinedObject = "42704";
    public const string UndefinedParameter = "42P02";
    public const string DuplicateObject = "42P07";
    public const string AmbiguousColumn = "42702";
    public const string GroupingError = "42803";
    public const string DatatypeMismatch = "42804";
    public const string InvalidObjectDefinition = "42P17";
    public const string InsufficientPrivilege = "42501";
    public const string UniqueViolation = "23505";
    public const string NotNullViolation = "23502";
    public const string CheckViolation = "23514";
    public const string ForeignKeyViolation = "23503";
    public const string IntegrityConstraintViolation = "23000";
    public const string InvalidTextRepresentation = "22P02";
    public const string NumericValueOutOfRange = "22003";
    public const string RaiseException = "P0001";
    public const string ActiveSqlTransaction = "25001";
    public const string NoActiveSqlTransaction = "25P01";
    public const string InFailedSqlTransaction = "25P02";
    public const string IdleInTransactionTimeout = "25P03";
    public const string ReadOnlySqlTransaction = "25006";
    public const string InvalidSavepoint = "3B001";
    public const string FeatureNotSupported = "0A000";
    public const string ProtocolViolation = "08P01";
    public const string ProgramLimitExceeded = "54000";
    public const string TooManyColumns = "54011";
    public const string DiskFull = "53100";
    public const string OutOfMemory = "53200";
    public const string QueryCanceled = "57014";
    public const string LockNotAvailable = "55P03";
    public const string IoError = "58030";
    public const string DataCorrupted = "XX001";
    public const string InternalError = "XX000";

    // SQLite primary and extended result codes used below.
    private const int SqliteError = 1, SqliteNoMem = 7, SqliteReadOnly = 8, SqliteInterrupt = 9, SqliteIoErr = 10,
        SqliteCorrupt = 11, SqliteFull = 13, SqliteTooBig = 18, SqliteConstraint = 19, SqliteMismatch = 20,
        SqliteAuth = 23, SqliteRange = 25, SqliteNotADb = 26, SqliteBusy = 5, SqliteLocked = 6;
    private const int ConstraintCheck = 275, ConstraintForeignKey = 787, ConstraintNotNull = 1299,
        ConstraintPrimaryKey = 1555, ConstraintTrigger = 1811, ConstraintUnique = 2067, ConstraintRowId = 2579,
        ConstraintDataType = 3091;

    /// <summary>Maps an SQLite extended result code and message to a SQLSTATE.</summary>
    public static string FromSqlite(int extendedCode, string message)
    {
        switch (extendedCode)
        {
            case ConstraintUnique or ConstraintPrimaryKey or ConstraintRowId: return UniqueViolation;
            case ConstraintNotNull: return NotNullViolation;
            case ConstraintCheck: return CheckViolation;
            case ConstraintForeignKey: return ForeignKeyViolation;
            case ConstraintTrigger: return RaiseException;
            case ConstraintDataType: return InvalidTextRepresentation;
        }
        switch (extendedCode & 0xff)
        {
            case SqliteConstraint: return IntegrityConstraintViolation;
            case SqliteMismatch: return DatatypeMismatch;
            case SqliteTooBig: return ProgramLimitExceeded;
            case SqliteAuth: return InsufficientPrivilege;
            case SqliteRange: return ProtocolViolation;
            case SqliteFull: return DiskFull;
            case SqliteNoMem: return OutOfMemory;
            case SqliteInterrupt: return QueryCanceled;
            case SqliteReadOnly: return ReadOnlySqlTransaction;
            case SqliteIoErr: return IoError;
            case SqliteCorrupt or SqliteNotADb: return DataCorrupted;
            case SqliteBusy or SqliteLocked: return LockNotAvailable;
            case SqliteError: return FromMessage(message);
            default: return InternalError;
        }
    }

    private static string FromMessage(string message)
    {
        static bool Has(string message, string part) => message.Contains(part, StringComparison.Ordinal);
        if (Has(message, "syntax error") || Has(message, "incomplete input") || Has(message, "unrecognized token"))
            return SyntaxError;
        if (Has(message, "no such table")) return UndefinedTable;
        if (Has(message, "no such column")) return UndefinedColumn;
        if (Has(message, "no such function") || Has(message, "wrong number of arguments to function")) return UndefinedFunction;
        if (Has(message, "no such savepoint")) return InvalidSavepoint;
        if (Has(message, "no such index") || Has(message, "no such view") || Has(message, "no such trigger") ||
            Has(message, "no such module") || Has(message, "no such collation sequence"))
            return UndefinedObject;
        if (Has(message, "already exists")) return DuplicateObject;
        if (Has(message, "ambiguous column name")) return AmbiguousColumn;
        if (Has(message, "misuse of aggregate") || Has(message, "misuse of window function")) return GroupingError;
        if (Has(message, "datatype mismatch")) return DatatypeMismatch;
        if (Has(message, "integer overflow")) return NumericValueOutOfRange;
        if (Has(message, "too many columns") || Has(message, "too many terms")) return TooManyColumns;
        if (Has(message, "within a transaction")) return ActiveSqlTransaction;
        if (Has(message, "no transaction is active")) return NoActiveSqlTransaction;
        if (Has(message, "non-deterministic") || Has(message, "prohibited in")) return InvalidObjectDefinition;
        if (Has(message, "not authorized")) return InsufficientPrivilege;
        if (Has(message, "depends on the host")) return FeatureNotSupported; // the guest's own refusals in functions
        return InternalError;
    }
}
