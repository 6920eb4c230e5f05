using System.Security.Cryptography;
using System.Text;
using AkkaLockstep.Protocol;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// The built-in SQL guest: a SQLite database (in memory for now) driven one statement per input.
/// <list type="bullet">
/// <item>Time and randomness come from the input: "now" everywhere (date functions, CURRENT_*, defaults) is
/// <see cref="InputContext.TimestampMs"/> through <see cref="DeterministicVfs"/>; <c>random()</c> and
/// <c>randomblob()</c> are replaced by a generator seeded with <see cref="InputContext.Seed"/>; <c>changes()</c>,
/// <c>total_changes()</c> and <c>last_insert_rowid()</c> read values kept in the guest's state, not the
/// connection's history; host-dependent features are refused (<see cref="SqlStatementPolicy"/>,
/// <see cref="DateTimeFunctions"/>).</item>
/// <item>Interactive transactions: one open transaction at a time, owned by the session that began it. Any other
/// session's statement gets <see cref="SqlStatus.Busy"/> and changes nothing (clients retry). A statement that
/// fails inside the transaction puts it in the failed state (PostgreSQL semantics: only ROLLBACK, COMMIT — which
/// then rolls back — or ROLLBACK TO a savepoint are accepted). An owner silent for
/// <see cref="SqlGuestOptions.TransactionTimeoutMs"/> of input time is rolled back by the next input of any
/// session, and its next statement fails with 25P03. Close rolls back the session's transaction.</item>
/// <item>Outside a transaction every statement is atomic: a writing statement runs inside its own BEGIN/COMMIT and
/// is rolled back whole on any error, so errors change nothing.</item>
/// </list>
/// </summary>
public sealed class SqlGuest : IGuest, IDisposable
{
    public const string KindName = "sql";

    private const byte SnapshotVersion = 1;
    private static readonly byte[] SnapshotMagic = "SQLG"u8.ToArray();
    private const int ProgressInterval = 1000;
    private const int SqliteLimitLength = 0;
    private const int Utf8 = 1, Innocuous = 0x200000;
    private const int DbConfigDefensive = 1010, DbConfigDqsDml = 1013, DbConfigDqsDdl = 1014;

    private readonly SqlGuestOptions _options;
    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly IntPtr _dbPointer;
    private readonly SqlStatementPolicy _policy = new();
    private readonly DateTimeFunctions _dateTime;

    // Replicated state besides the database itself.
    private Counters _counters;
    private readonly List<Guid> _abandoned = [];
    private OpenTransaction? _transaction;

    // Per input and per statement.
    private SplitMix64 _random;
    // Bytes a statement's rows may take: the output's limit, or less (SqlCommand.ResultLimit).
    private long _resultBudget;
    private long _progressTicks;
    private bool _instructionLimitHit;
    private bool _replaying;
    private bool _disposed;

    public SqlGuest() : this(SqlGuestOptions.Default)
    {
    }

    public SqlGuest(SqlGuestOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _connection = SqlGuestStorage.Open("guest");
        _db = _connection.Handle ?? throw new InvalidOperationException("sqlite connection has no handle");
        _dbPointer = _db.DangerousGetHandle();
        raw.sqlite3_extended_result_codes(_db, 1);
        raw.sqlite3_db_config(_db, DbConfigDefensive, 1, out _);
        raw.sqlite3_db_config(_db, DbConfigDqsDml, 0, out _);
        raw.sqlite3_db_config(_db, DbConfigDqsDdl, 0, out _);
        Check(raw.sqlite3_exec(_db, "PRAGMA foreign_keys = ON"), "enabling foreign keys");
        SqlGuestStorage.Load(_db, []);
        CreateFunction("random", 0, (context, _, _) => raw.sqlite3_result_int64(context, (long)_random.Next()));
        CreateFunction("randomblob", 1, RandomBlob);
        CreateFunction("changes", 0, (context, _, _) => raw.sqlite3_result_int64(context, _counters.LastChanges));
        CreateFunction("total_changes", 0, (context, _, _) => raw.sqlite3_result_int64(context, _counters.TotalChanges));
        _dateTime = new DateTimeFunctions(SqlGuestStorage.Open);
        _dateTime.Install(_db);
        _policy.Install(_db);
        raw.sqlite3_progress_handler(_db, ProgressInterval, OnProgress, null);
    }

    public string Kind => KindName;

    public SqlGuestOptions Options => _options;

    /// <summary>The session whose transaction is open, if any.</summary>
    public Guid? TransactionOwner => _transaction?.Owner;

    // ---------------------------------------------------------------------------------------------------------
    // Apply

    public byte[] Apply(ReadOnlySpan<byte> command, in InputContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var clock = DeterministicVfs.Enter(context.TimestampMs);
        _random = new SplitMix64(context.Seed);
        var session = context.SessionId;
        if (!_replaying) ExpireIdleTransaction(context.TimestampMs);
        if (_transaction is { } open && open.Owner == session) open.LastActivityMs = context.TimestampMs;
        if (!SqlCommand.TryDecode(command, out var decoded, out var error))
            return SqlResult.Error(StateOf(session), SqlStates.ProtocolViolation, error!).Encode();
        if (decoded!.Kind == SqlCommandKind.Script) return RunScript(decoded, context);
        var result = decoded.Kind switch
        {
            SqlCommandKind.Close => Close(session),
            SqlCommandKind.Describe => Describe(decoded.Sql, session),
            _ => Execute(decoded, command, context),
        };
        return result.Encode();
    }

    /// <summary>
    /// Runs a script's statements in order, each as if it were an input of its own with the same time: a statement
    /// inside an open transaction is logged alone, so a snapshot replays exactly it, and each draws its randomness from
    /// a seed of its own (derived from the input's and its position) that the logged statement carries. The first
    /// that fails, or is Busy, stops the rest.
    /// </summary>
    private byte[] RunScript(SqlCommand script, in InputContext context)
    {
        var results = new List<byte[]>(script.Statements.Count);
        var returned = 0L;
        for (var i = 0; i < script.Statements.Count; i++)
        {
            var statement = script.Statements[i];
            var statementContext = context with { Seed = StatementSeed(context.Seed, i) };
            _random = new SplitMix64(statementContext.Seed);
            // The results share one output: each statement may return what the ones before it left.
            var limited = statement.WithResultLimit(Math.Max(1, _options.MaxResultBytes - returned));
            var result = Execute(limited, limited.Encode(), statementContext);
            var encoded = result.Encode();
            results.Add(encoded);
            returned += encoded.Length + ScriptResultOverheadBytes;
            if (result.Status != SqlStatus.Ok) break;
        }
        return SqlScriptResult.Encode(results);
    }

    /// <summary>A script result's framing per statement (its length prefix) and in all (version, count).</summary>
    private const int ScriptResultOverheadBytes = 16;

    private static ulong StatementSeed(ulong inputSeed, int position) =>
        new SplitMix64(inputSeed ^ (0x9E3779B97F4A7C15UL * (ulong)(position + 1))).Next();

    private SqlResult Close(Guid session)
    {
        if (_transaction is { } open && open.Owner == session) RollbackTransaction();
        _abandoned.Remove(session);
        return SqlResult.Ok(SqlTransactionState.Idle, "CLOSE");
    }

    /// <summary>
    /// Compiles one statement, under the same authorizer as Execute, and reports its result columns (tag DESCRIBE, no
    /// rows) without running it. It changes nothing — a statement that does not compile is an error that leaves even an
    /// open transaction as it was — and it does not consume a timed-out session's notice. Busy while another session's
    /// transaction is open, because that transaction's uncommitted schema changes would show.
    /// </summary>
    private SqlResult Describe(string sqlText, Guid session)
    {
        if (_transaction is { } open && open.Owner != session)
            return SqlResult.Busy("another session's transaction holds the database; retry");
        var state = StateOf(session);
        var text = Encoding.UTF8.GetBytes(sqlText);
        var sql = text.AsSpan(SqlText.SkipEmptyStatements(text));
        if (sql.IsEmpty) return SqlResult.Ok(state, "DESCRIBE");

        if (Prepare(sql, out var statement, out var tail) is { } refused) return SqlResult.Error(state, refused.Code, refused.Message);
        if (statement is null || statement.IsInvalid)
        {
            statement?.Dispose();
            return SqlResult.Ok(state, "DESCRIBE");
        }
        using (statement)
        {
            if (!SqlText.IsBlank(tail))
                return SqlResult.Error(state, SqlStates.SyntaxError, "a command may hold only one statement");
            var columns = new SqlColumn[raw.sqlite3_column_count(statement)];
            for (var i = 0; i < columns.Length; i++)
            {
                columns[i] = new SqlColumn(
                    raw.sqlite3_column_name(statement, i).utf8_to_string() ?? "",
                    raw.sqlite3_column_decltype(statement, i).utf8_to_string() ?? "");
            }
            return SqlResult.Ok(state, "DESCRIBE", 0, columns);
        }
    }

    /// <summary>
    /// Compiles one statement under the authorizer. Null when it compiled (the statement may still be null or invalid
    /// when only comments were left); otherwise the SQLSTATE and message of the refusal or the compile error.
    /// </summary>
    private (string Code, string Message)? Prepare(ReadOnlySpan<byte> sql, out sqlite3_stmt statement, out ReadOnlySpan<byte> tail)
    {
        _policy.BeginPrepare();
        int rc;
        try { rc = raw.sqlite3_prepare_v2(_db, sql, out statement, out tail); }
        finally { _policy.EndPrepare(); }
        if (rc == raw.SQLITE_OK) return null;
        statement?.Dispose();
        var message = _policy.Denial ?? ErrorMessage();
        return (_policy.Denial is not null ? SqlStates.InsufficientPrivilege : SqlStates.FromSqlite(raw.sqlite3_extended_errcode(_db), message), message);
    }

    private SqlResult Execute(SqlCommand command, ReadOnlySpan<byte> bytes, in InputContext context)
    {
        var session = context.SessionId;
        _resultBudget = command.ResultLimit > 0 ? Math.Min(command.ResultLimit, _options.MaxResultBytes) : _options.MaxResultBytes;
        if (_abandoned.Remove(session))
            return SqlResult.Error(SqlTransactionState.Idle, SqlStates.IdleInTransactionTimeout,
                $"this session's transaction was rolled back after {_options.TransactionTimeoutMs} ms without input; the statement was not run");
        if (_transaction is { } open && open.Owner != session)
            return SqlResult.Busy("another session's transaction holds the database; retry");
        var result = Run(command, session, bytes.Length, context.TimestampMs, out var changedState);
        if (changedState && _transaction is { } tx && tx.Owner == session)
        {
            tx.Log.Add(new LoggedInput(context, bytes.ToArray()));
            tx.LogBytes += bytes.Length;
        }
        return result;
    }

    /// <summary>
    /// Runs one statement for <paramref name="session"/> (which owns the open transaction, if there is one).
    /// <paramref name="changedState"/> tells whether the guest's state may have changed beyond the owner's last
    /// activity time: only such inputs are kept in the transaction's log.
    /// </summary>
    private SqlResult Run(SqlCommand command, Guid session, int commandBytes, long nowMs, out bool changedState)
    {
        changedState = false;
        var text = Encoding.UTF8.GetBytes(command.Sql);
        var sql = text.AsSpan(SqlText.SkipEmptyStatements(text));
        if (sql.IsEmpty && command.Parameters.Count == 0)
            return SqlResult.Ok(State, ""); // an empty statement: nothing to do
        var keywords = SqlText.LeadingKeywords(sql);
        var first = keywords.Length > 0 ? keywords[0] : "";
        if (first == "VACUUM")
            return Failure(SqlStates.FeatureNotSupported, "VACUUM is not supported by the sql guest", out changedState);

        if (Prepare(sql, out var statement, out var tail) is { } refused) return Failure(refused.Code, refused.Message, out changedState);
        if (statement is null || statement.IsInvalid)
        {
            // Only comments were left (SQLite prepares nothing); parameters then have nowhere to go.
            statement?.Dispose();
            return command.Parameters.Count == 0
                ? SqlResult.Ok(State, "")
                : Failure(SqlStates.ProtocolViolation, $"the command supplies {command.Parameters.Count} parameters but the statement uses 0", out changedState);
        }
        using (statement)
        {
            if (!SqlText.IsBlank(tail))
                return Failure(SqlStates.SyntaxError, "a command may hold only one statement", out changedState);
            if (raw.sqlite3_stmt_isexplain(statement) == 1)
                return Failure(SqlStates.FeatureNotSupported, "EXPLAIN is not supported in the sql guest (its listing can show memory addresses); use EXPLAIN QUERY PLAN", out changedState);
            var kind = _policy.Class;
            var topLevelWrite = _policy.TopLevelWrite;
            if (_transaction is { Failed: true } && kind is not (StatementClass.Commit or StatementClass.Rollback or StatementClass.RollbackTo))
                return SqlResult.Error(SqlTransactionState.Failed, SqlStates.InFailedSqlTransaction,
                    "current transaction is aborted, commands ignored until end of transaction block");
            if (!Bind(statement, command.Parameters, out var bindCode, out var bindError))
                return Failure(bindCode, bindError, out changedState);
            return kind switch
            {
                StatementClass.Begin => RunBegin(statement, session, nowMs, out changedState),
                StatementClass.Commit => RunCommit(statement),
                StatementClass.Rollback => RunRollback(),
                StatementClass.Savepoint or StatementClass.Release or StatementClass.RollbackTo =>
                    RunSavepoint(statement, kind, out changedState),
                _ => RunStatement(statement, first, keywords, topLevelWrite, commandBytes, out changedState),
            };
        }
    }

    private SqlResult RunBegin(sqlite3_stmt statement, Guid session, long nowMs, out bool changedState)
    {
        changedState = false;
        // Already in a transaction: PostgreSQL warns and carries on; so does the guest (without the warning).
        if (_transaction is not null) return SqlResult.Ok(State, "BEGIN");
        var outcome = Step(statement, collectRows: false);
        if (!outcome.Ok) return SqlResult.Error(SqlTransactionState.Idle, outcome.Code, outcome.Message);
        _transaction = new OpenTransaction(session, nowMs, _counters);
        changedState = true;
        return SqlResult.Ok(SqlTransactionState.InTransaction, "BEGIN");
    }

    private SqlResult RunCommit(sqlite3_stmt statement)
    {
        if (_transaction is null) return SqlResult.Ok(SqlTransactionState.Idle, "COMMIT");
        if (_transaction.Failed)
        {
            RollbackTransaction();
            return SqlResult.Ok(SqlTransactionState.Idle, "ROLLBACK");
        }
        var outcome = Step(statement, collectRows: false);
        if (outcome.Ok && raw.sqlite3_get_autocommit(_db) != 0)
        {
            _transaction = null;
            return SqlResult.Ok(SqlTransactionState.Idle, "COMMIT");
        }
        // A failed COMMIT (a deferred foreign key, say) rolls the transaction back, as in PostgreSQL.
        RollbackTransaction();
        return SqlResult.Error(SqlTransactionState.Idle, outcome.Ok ? SqlStates.InternalError : outcome.Code,
            outcome.Ok ? "COMMIT left the transaction open; rolled back" : outcome.Message);
    }

    private SqlResult RunRollback()
    {
        if (_transaction is not null) RollbackTransaction();
        return SqlResult.Ok(SqlTransactionState.Idle, "ROLLBACK");
    }

    private SqlResult RunSavepoint(sqlite3_stmt statement, StatementClass kind, out bool changedState)
    {
        changedState = false;
        var tag = kind switch { StatementClass.Savepoint => "SAVEPOINT", StatementClass.Release => "RELEASE", _ => "ROLLBACK" };
        if (_transaction is null)
            return SqlResult.Error(SqlTransactionState.Idle, SqlStates.NoActiveSqlTransaction, $"{tag} can only be used in transaction blocks");
        if (raw.sqlite3_get_autocommit(_db) != 0)
            return Failure(SqlStates.InFailedSqlTransaction, "SQLite already rolled this transaction back after an error; only ROLLBACK is possible", out changedState);
        var outcome = Step(statement, collectRows: false);
        if (!outcome.Ok) return Failure(outcome.Code, outcome.Message, out changedState);
        if (raw.sqlite3_get_autocommit(_db) != 0)
        {
            // Cannot happen while BEGIN holds the transaction open; refuse to carry on in an unknown state.
            _transaction.Failed = true;
            changedState = true;
            return SqlResult.Error(SqlTransactionState.Failed, SqlStates.InternalError, $"{tag} ended the transaction; roll back");
        }
        if (kind == StatementClass.RollbackTo) _transaction.Failed = false;
        changedState = true;
        return SqlResult.Ok(State, tag);
    }

    private SqlResult RunStatement(
        sqlite3_stmt statement, string first, string[] keywords, int topLevelWrite, int commandBytes, out bool changedState)
    {
        changedState = false;
        var inTransaction = _transaction is not null;
        var readOnly = raw.sqlite3_stmt_readonly(statement) != 0;
        if (!readOnly && _transaction is { } open && open.LogBytes + commandBytes > _options.MaxTransactionBytes)
            return Failure(SqlStates.ProgramLimitExceeded,
                $"the transaction's statements exceed {_options.MaxTransactionBytes} bytes; roll it back", out changedState);
        var ownTransaction = !inTransaction && !readOnly;
        SqliteNative.sqlite3_set_last_insert_rowid(_dbPointer, _counters.LastInsertRowid);
        if (ownTransaction) ExecInternal("BEGIN");
        var totalBefore = SqliteNative.sqlite3_total_changes64(_dbPointer);
        var outcome = Step(statement, collectRows: true);
        if (outcome.Ok && ownTransaction)
        {
            using (Internal())
            {
                var commit = raw.sqlite3_exec(_db, "COMMIT");
                if (commit != raw.SQLITE_OK)
                    outcome = StepOutcome.Failed(SqlStates.FromSqlite(raw.sqlite3_extended_errcode(_db), ErrorMessage()), ErrorMessage());
            }
        }
        if (!outcome.Ok)
        {
            if (ownTransaction) RollbackSqlite();
            return Failure(outcome.Code, outcome.Message, out changedState);
        }

        var write = first switch
        {
            "INSERT" or "REPLACE" => SqlStatementPolicy.InsertCode,
            "UPDATE" => SqlStatementPolicy.UpdateCode,
            "DELETE" => SqlStatementPolicy.DeleteCode,
            "WITH" => topLevelWrite,
            _ => 0,
        };
        var changes = write != 0 ? SqliteNative.sqlite3_changes64(_dbPointer) : 0;
        _counters = new Counters(
            write != 0 ? changes : _counters.LastChanges,
            SqliteNative.sqlite3_last_insert_rowid(_dbPointer),
            _counters.TotalChanges + (SqliteNative.sqlite3_total_changes64(_dbPointer) - totalBefore));
        changedState = inTransaction && !readOnly;
        var tag = CommandTag(first, keywords, write, changes, outcome.Rows!.Length);
        return SqlResult.FromParts(State, tag, changes, outcome.Columns!, outcome.Rows);
    }

    private static string CommandTag(string first, string[] keywords, int write, long changes, int rows)
    {
        if (write == SqlStatementPolicy.InsertCode) return $"INSERT 0 {changes}";
        if (write == SqlStatementPolicy.UpdateCode) return $"UPDATE {changes}";
        if (write == SqlStatementPolicy.DeleteCode) return $"DELETE {changes}";
        switch (first)
        {
            case "SELECT" or "VALUES" or "WITH":
                return $"SELECT {rows}";
            case "CREATE":
                var created = keywords.Skip(1).FirstOrDefault(k => k is "TABLE" or "INDEX" or "VIEW" or "TRIGGER") ?? "TABLE";
                return "CREATE " + created;
            case "DROP":
                return keywords.Length > 1 ? "DROP " + keywords[1] : "DROP";
            case "ALTER":
                return "ALTER TABLE";
            default:
                return first;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Statement execution

    private readonly record struct StepOutcome(bool Ok, string Code, string Message, SqlColumn[]? Columns, SqlValue[][]? Rows)
    {
        public static StepOutcome Failed(string code, string message) => new(false, code, message, null, null);
    }

    /// <summary>Runs a prepared statement to completion, collecting its rows within the result-size limit.</summary>
    private StepOutcome Step(sqlite3_stmt statement, bool collectRows)
    {
        var columnCount = collectRows ? raw.sqlite3_column_count(statement) : 0;
        var columns = new SqlColumn[columnCount];
        long size = 64;
        for (var i = 0; i < columnCount; i++)
        {
            columns[i] = new SqlColumn(
                raw.sqlite3_column_name(statement, i).utf8_to_string() ?? "",
                raw.sqlite3_column_decltype(statement, i).utf8_to_string() ?? "");
            size += 10 + Encoding.UTF8.GetByteCount(columns[i].Name) + Encoding.UTF8.GetByteCount(columns[i].DeclaredType);
        }
        var rows = new List<SqlValue[]>();
        _progressTicks = 0;
        _instructionLimitHit = false;
        try
        {
            while (true)
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE) return new StepOutcome(true, "", "", columns, rows.ToArray());
                if (rc != raw.SQLITE_ROW)
                {
                    if (_instructionLimitHit)
                        return StepOutcome.Failed(SqlStates.QueryCanceled,
                            $"statement cancelled after {_options.MaxStatementInstructions} SQLite instructions");
                    var message = _policy.Denial ?? ErrorMessage();
                    var code = _policy.Denial is not null ? SqlStates.InsufficientPrivilege : SqlStates.FromSqlite(raw.sqlite3_extended_errcode(_db), message);
                    return StepOutcome.Failed(code, message);
                }
                if (columnCount == 0) continue;
                var row = new SqlValue[columnCount];
                for (var i = 0; i < columnCount; i++)
                {
                    row[i] = ReadColumn(statement, i);
                    size += SqlWriter.SizeOf(row[i]);
                }
                if (size > _resultBudget)
                    return StepOutcome.Failed(SqlStates.ProgramLimitExceeded,
                        $"result exceeds {_resultBudget} bytes (after {rows.Count} rows); add a LIMIT or select less");
                rows.Add(row);
            }
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private static SqlValue ReadColumn(sqlite3_stmt statement, int index) => raw.sqlite3_column_type(statement, index) switch
    {
        raw.SQLITE_INTEGER => SqlValue.Integer(raw.sqlite3_column_int64(statement, index)),
        raw.SQLITE_FLOAT => SqlValue.Real(raw.sqlite3_column_double(statement, index)),
        raw.SQLITE_TEXT => SqlValue.Text(Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, index))),
        raw.SQLITE_BLOB => SqlValue.Blob(raw.sqlite3_column_blob(statement, index).ToArray()),
        _ => SqlValue.Null,
    };

    /// <summary>Binds positional parameters: <c>$n</c>, <c>?NNN</c> and <c>?</c> (see <see cref="SqlCommand"/>).</summary>
    private static bool Bind(sqlite3_stmt statement, IReadOnlyList<SqlValue> parameters, out string code, out string error)
    {
        code = "";
        error = "";
        var slots = raw.sqlite3_bind_parameter_count(statement);
        var highest = 0;
        for (var slot = 1; slot <= slots; slot++)
        {
            var name = raw.sqlite3_bind_parameter_name(statement, slot).utf8_to_string();
            int number;
            if (name is null || name[0] == '?') number = slot;
            else if (name[0] == '$' && TryParsePosition(name.AsSpan(1), out var position)) number = position;
            else
            {
                code = SqlStates.FeatureNotSupported;
                error = $"named parameter {name} is not supported; use $1, $2, … or ?";
                return false;
            }
            if (number > parameters.Count)
            {
                code = SqlStates.UndefinedParameter;
                error = $"there is no parameter ${number} (the command supplies {parameters.Count})";
                return false;
            }
            var rc = BindValue(statement, slot, parameters[number - 1]);
            if (rc != raw.SQLITE_OK)
            {
                code = rc == 18 ? SqlStates.ProgramLimitExceeded : SqlStates.ProtocolViolation;
                error = $"cannot bind parameter ${number}: {raw.sqlite3_errstr(rc).utf8_to_string()}";
                return false;
            }
            highest = Math.Max(highest, number);
        }
        if (parameters.Count != highest)
        {
            code = SqlStates.ProtocolViolation;
            error = $"the command supplies {parameters.Count} parameters but the statement uses {highest}";
            return false;
        }
        return true;
    }

    private static bool TryParsePosition(ReadOnlySpan<char> digits, out int position)
    {
        position = 0;
        if (digits.IsEmpty || digits[0] == '0' || digits.Length > 5) return false;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return false;
            position = position * 10 + (c - '0');
        }
        return position <= SqlCommand.MaxParameters;
    }

    private static int BindValue(sqlite3_stmt statement, int slot, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer: return raw.sqlite3_bind_int64(statement, slot, value.AsInteger);
            case SqlValueKind.Real: return raw.sqlite3_bind_double(statement, slot, value.AsReal);
            case SqlValueKind.Text:
                // An empty span would bind a null pointer, which SQLite takes as NULL.
                return value.AsText.Length == 0
                    ? raw.sqlite3_bind_text(statement, slot, "")
                    : raw.sqlite3_bind_text(statement, slot, Encoding.UTF8.GetBytes(value.AsText));
            case SqlValueKind.Blob:
                return value.AsBlob.Length == 0
                    ? raw.sqlite3_bind_zeroblob(statement, slot, 0)
                    : raw.sqlite3_bind_blob(statement, slot, value.AsBlob);
            default: return raw.sqlite3_bind_null(statement, slot);
        }
    }

    /// <summary>An error for the requesting session; inside a transaction it puts the transaction in the failed state.</summary>
    private SqlResult Failure(string code, string message, out bool changedState)
    {
        changedState = false;
        if (_transaction is { } open)
        {
            changedState = !open.Failed;
            open.Failed = true;
        }
        return SqlResult.Error(State, code, message);
    }

    /// <summary>State of the session that owns the open transaction, or Idle (callers only ask for the requester, which is the owner if any).</summary>
    private SqlTransactionState State =>
        _transaction is null ? SqlTransactionState.Idle : _transaction.Failed ? SqlTransactionState.Failed : SqlTransactionState.InTransaction;

    private SqlTransactionState StateOf(Guid session) => _transaction?.Owner == session ? State : SqlTransactionState.Idle;

    private string ErrorMessage() => raw.sqlite3_errmsg(_db).utf8_to_string() ?? "unknown SQLite error";

    // ---------------------------------------------------------------------------------------------------------
    // Transactions

    private void ExpireIdleTransaction(long nowMs)
    {
        if (_transaction is not { } open || _options.TransactionTimeoutMs <= 0) return;
        if (nowMs - open.LastActivityMs < _options.TransactionTimeoutMs) return;
        RollbackTransaction();
        if (_abandoned.Count >= Math.Max(1, _options.MaxAbandonedSessions)) _abandoned.RemoveAt(0);
        _abandoned.Add(open.Owner);
    }

    /// <summary>Ends the open transaction, leaving no trace: the database and the counters are as they were at BEGIN.</summary>
    private void RollbackTransaction()
    {
        RollbackSqlite();
        if (_transaction is { } open) _counters = open.Base;
        _transaction = null;
    }

    private void RollbackSqlite()
    {
        if (raw.sqlite3_get_autocommit(_db) == 0) ExecInternal("ROLLBACK");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Snapshot, restore, digest

    /// <summary>
    /// The full state: counters, abandoned sessions, the committed database image and — when a transaction is open —
    /// its owner and the inputs it has applied so far. Restoring replays those inputs on the committed image, which
    /// reproduces the transaction exactly (every input is deterministic), uncommitted changes included, while
    /// keeping the ability to roll it back. Taking a snapshot during a transaction does the same to the live guest:
    /// roll back, save the image, replay.
    /// </summary>
    public byte[] Snapshot()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] image;
        Counters counters;
        OpenTransaction? open = _transaction;
        if (open is not null)
        {
            counters = open.Base;
            RollbackTransaction();
            using (Internal()) image = SqlGuestStorage.Save(_db);
            ReplayTransaction(open.Owner, open.LastActivityMs, open.Log);
        }
        else
        {
            counters = _counters;
            using (Internal()) image = SqlGuestStorage.Save(_db);
        }
        var writer = new SqlWriter(image.Length + 1024);
        writer.Raw(SnapshotMagic);
        writer.Byte(SnapshotVersion);
        WriteCounters(writer, counters);
        writer.UVarint((ulong)_abandoned.Count);
        foreach (var session in _abandoned) writer.Raw(session.ToByteArray());
        writer.Bytes(image);
        writer.Byte(open is null ? (byte)0 : (byte)1);
        if (open is not null)
        {
            writer.Raw(open.Owner.ToByteArray());
            writer.Varint(open.LastActivityMs);
            writer.UVarint((ulong)open.Log.Count);
            foreach (var input in open.Log)
            {
                writer.Varint(input.Context.Index);
                writer.Varint(input.Context.TimestampMs);
                writer.Fixed64((long)input.Context.Seed);
                writer.Bytes(input.Command);
            }
        }
        return writer.ToArray();
    }

    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = new SqlReader(snapshot);
        if (!reader.Raw(SnapshotMagic.Length, out var magic) || !magic.SequenceEqual(SnapshotMagic))
            throw new InvalidDataException("not a sql guest snapshot");
        if (!reader.Byte(out var version) || version != SnapshotVersion)
            throw new InvalidDataException($"unsupported sql guest snapshot version {version}");
        if (!ReadCounters(ref reader, out var counters) || !reader.Count(out var abandonedCount, 16))
            throw Corrupt(reader);
        var abandoned = new List<Guid>(abandonedCount);
        for (var i = 0; i < abandonedCount; i++)
        {
            if (!reader.Raw(16, out var id)) throw Corrupt(reader);
            abandoned.Add(new Guid(id));
        }
        if (!reader.Bytes(out var image) || !reader.Byte(out var hasTransaction) || hasTransaction > 1) throw Corrupt(reader);
        Guid owner = default;
        long lastActivity = 0;
        var log = new List<LoggedInput>();
        if (hasTransaction == 1)
        {
            if (!reader.Raw(16, out var ownerBytes) || !reader.Varint(out lastActivity) || !reader.Count(out var count, 4))
                throw Corrupt(reader);
            owner = new Guid(ownerBytes);
            for (var i = 0; i < count; i++)
            {
                if (!reader.Varint(out var index) || !reader.Varint(out var timestamp) || !reader.Fixed64(out var seed) ||
                    !reader.Bytes(out var command))
                    throw Corrupt(reader);
                log.Add(new LoggedInput(new InputContext(index, timestamp, (ulong)seed, owner), command.ToArray()));
            }
        }
        if (!reader.AtEnd) throw new InvalidDataException("sql guest snapshot has trailing bytes");

        // Check the image on a scratch connection first: a database SQLite cannot read would leave the guest's own
        // connection unable to load anything else.
        SqlGuestStorage.Validate(image);
        RollbackTransaction();
        using (Internal()) SqlGuestStorage.Load(_db, image); // runs an internal ATTACH, which client statements may not
        _counters = counters;
        _abandoned.Clear();
        _abandoned.AddRange(abandoned);
        if (hasTransaction == 1) ReplayTransaction(owner, lastActivity, log);
    }

    private void ReplayTransaction(Guid owner, long lastActivityMs, IReadOnlyList<LoggedInput> log)
    {
        var inputs = log.ToArray();
        _replaying = true;
        try
        {
            foreach (var input in inputs) Apply(input.Command, input.Context);
        }
        finally
        {
            _replaying = false;
        }
        if (_transaction is null || _transaction.Owner != owner)
            throw new InvalidDataException("replaying the open transaction's inputs did not reopen it");
        _transaction.LastActivityMs = lastActivityMs;
    }

    /// <summary>
    /// SHA-256 over the guest's own state (counters, abandoned sessions, open transaction with its log) and the
    /// database's logical content: header values, the schema, and every table's rows (rowid tables in rowid order
    /// with the rowid, WITHOUT ROWID tables in primary-key order), values typed. Equal exactly when two guests hold
    /// the same state, whatever the page layout.
    /// </summary>
    public byte[] Digest()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = new SqlWriter(64 * 1024);
        writer.Raw("sqlguest-digest-1"u8);
        WriteCounters(writer, _counters);
        writer.UVarint((ulong)_abandoned.Count);
        foreach (var session in _abandoned) writer.Raw(session.ToByteArray());
        if (_transaction is { } open)
        {
            writer.Byte(1);
            writer.Raw(open.Owner.ToByteArray());
            writer.Varint(open.LastActivityMs);
            writer.Byte(open.Failed ? (byte)1 : (byte)0);
            WriteCounters(writer, open.Base);
            writer.UVarint((ulong)open.Log.Count);
            foreach (var input in open.Log)
            {
                writer.Varint(input.Context.Index);
                writer.Varint(input.Context.TimestampMs);
                writer.Fixed64((long)input.Context.Seed);
                writer.Bytes(input.Command);
            }
        }
        else
        {
            writer.Byte(0);
        }

        void Flush()
        {
            hash.AppendData(writer.WrittenSpan);
            writer.Clear();
        }

        void Rows(string sql)
        {
            Query(sql, statement =>
            {
                var columns = raw.sqlite3_column_count(statement);
                writer.Byte(1);
                writer.UVarint((ulong)columns);
                for (var i = 0; i < columns; i++) writer.Value(ReadColumn(statement, i));
                if (writer.Length > 60 * 1024) Flush();
            });
            writer.Byte(0);
        }

        Rows("PRAGMA user_version");
        Rows("PRAGMA application_id");
        Rows("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
        var tables = new List<(string Name, bool WithoutRowid)>();
        Query("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') " +
              "AND name NOT IN ('sqlite_schema', 'sqlite_master') ORDER BY name",
            statement => tables.Add((ReadColumn(statement, 0).AsText, raw.sqlite3_column_int64(statement, 1) != 0)));
        foreach (var (name, withoutRowid) in tables)
        {
            writer.String(name);
            var quoted = "\"" + name.Replace("\"", "\"\"") + "\"";
            var rowid = withoutRowid ? null : RowidAlias(name);
            Rows(rowid is null ? $"SELECT * FROM {quoted}" : $"SELECT {rowid}, * FROM {quoted} ORDER BY {rowid}");
        }
        Flush();
        return hash.GetHashAndReset();
    }

    /// <summary>A name for the rowid not shadowed by a column (null if rowid, _rowid_ and oid are all columns).</summary>
    private string? RowidAlias(string table)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Query($"SELECT name FROM pragma_table_xinfo('{table.Replace("'", "''")}')", statement => columns.Add(ReadColumn(statement, 0).AsText));
        return new[] { "rowid", "_rowid_", "oid" }.FirstOrDefault(alias => !columns.Contains(alias));
    }

    private static void WriteCounters(SqlWriter writer, Counters counters)
    {
        writer.Varint(counters.LastChanges);
        writer.Varint(counters.LastInsertRowid);
        writer.Varint(counters.TotalChanges);
    }

    private static bool ReadCounters(ref SqlReader reader, out Counters counters)
    {
        counters = default;
        if (!reader.Varint(out var changes) || !reader.Varint(out var rowid) || !reader.Varint(out var total)) return false;
        counters = new Counters(changes, rowid, total);
        return true;
    }

    private static InvalidDataException Corrupt(SqlReader reader) => new($"sql guest snapshot is corrupt: {reader.Error}");

    // ---------------------------------------------------------------------------------------------------------
    // Plumbing

    private InternalScope Internal() => new(this);

    private readonly struct InternalScope : IDisposable
    {
        private readonly SqlGuest _guest;
        private readonly bool _previous;

        public InternalScope(SqlGuest guest)
        {
            _guest = guest;
            _previous = guest._policy.Internal;
            guest._policy.Internal = true;
        }

        public void Dispose() => _guest._policy.Internal = _previous;
    }

    private void ExecInternal(string sql)
    {
        using (Internal()) Check(raw.sqlite3_exec(_db, sql), sql);
    }

    private void Query(string sql, Action<sqlite3_stmt> onRow)
    {
        using (Internal())
        {
            Check(raw.sqlite3_prepare_v2(_db, sql, out var statement), sql);
            using (statement)
            {
                int rc;
                while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW) onRow(statement);
                if (rc != raw.SQLITE_DONE) Check(rc, sql);
            }
        }
    }

    private void Check(int rc, string what)
    {
        if (rc != raw.SQLITE_OK && rc != raw.SQLITE_DONE)
            throw new InvalidOperationException($"sql guest: {what} failed ({rc}): {ErrorMessage()}");
    }

    private void CreateFunction(string name, int arity, delegate_function_scalar function)
    {
        var rc = raw.sqlite3_create_function(_db, name, arity, Utf8 | Innocuous, null, function);
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"registering {name}() failed ({rc})");
    }

    private void RandomBlob(sqlite3_context context, object userData, sqlite3_value[] args)
    {
        var length = Math.Max(1, raw.sqlite3_value_int64(args[0]));
        if (length > raw.sqlite3_limit(_db, SqliteLimitLength, -1))
        {
            raw.sqlite3_result_error_toobig(context);
            return;
        }
        var blob = new byte[length];
        for (var offset = 0; offset < blob.Length; offset += 8)
        {
            var next = _random.Next();
            for (var i = 0; i < 8 && offset + i < blob.Length; i++) blob[offset + i] = (byte)(next >> (8 * i));
        }
        raw.sqlite3_result_blob(context, blob);
    }

    private int OnProgress(object userData)
    {
        if (_policy.Internal) return 0;
        if (++_progressTicks * ProgressInterval <= _options.MaxStatementInstructions) return 0;
        _instructionLimitHit = true;
        return 1;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _dateTime.Dispose();
        _connection.Dispose();
    }

    private readonly record struct Counters(long LastChanges, long LastInsertRowid, long TotalChanges);

    private readonly record struct LoggedInput(InputContext Context, byte[] Command);

    private sealed class OpenTransaction(Guid owner, long startedMs, Counters @base)
    {
        public Guid Owner { get; } = owner;
        public long LastActivityMs { get; set; } = startedMs;
        public bool Failed { get; set; }

        /// <summary>The counters when the transaction began (the replay of <see cref="Log"/> starts from them).</summary>
        public Counters Base { get; } = @base;

        /// <summary>The owner's inputs since BEGIN that changed state, BEGIN included.</summary>
        public List<LoggedInput> Log { get; } = [];

        public long LogBytes { get; set; }
    }
}
