namespace AkkaLockstep.Guests.Sql;

public enum SqlCommandKind : byte
{
    /// <summary>Run one SQL statement with positional parameters.</summary>
    Execute = 1,

    /// <summary>The session ended: roll back its open transaction, if any, and forget the session.</summary>
    Close = 2,

    /// <summary>
    /// The columns one SQL statement would return (names and declared types), found by compiling it without running
    /// it; changes nothing. What the PostgreSQL gateway needs for Describe of a prepared statement.
    /// </summary>
    Describe = 3,

    /// <summary>
    /// Several statements run one after another within one input, for one session (a multi-statement Query, a
    /// batch): a transaction sent whole holds the database for one input instead of one round trip per statement.
    /// The first statement that fails stops the rest; answered with a <see cref="SqlScriptResult"/>.
    /// </summary>
    Script = 4,
}

/// <summary>
/// One sql guest command. Wire form (version 1): version byte <c>1</c>, kind byte; for Execute the SQL text
/// (varint length + UTF-8), a varint parameter count and the parameters (see <see cref="SqlWriter"/>: a kind byte
/// then a zigzag varint, 8-byte real, or length-prefixed text/blob); for Describe the SQL text alone; for Script a
/// varint statement count and each statement as an Execute's body (text, parameter count, parameters); an Execute
/// may end with a varint result limit (<see cref="ResultLimit"/>). Close has no body.
/// <para>Parameters are positional: <c>$1</c>…<c>$n</c> (PostgreSQL style), <c>?NNN</c>, or anonymous <c>?</c>
/// (numbered by SQLite's rules: one more than the largest so far). Named parameters (<c>:a</c>, <c>@a</c>,
/// <c>$a</c>) are refused. The number of parameters supplied must equal the highest parameter number used.</para>
/// </summary>
public sealed class SqlCommand
{
    public const byte Version = 1;

    /// <summary>Most parameters one statement may take (SQLite's default SQLITE_MAX_VARIABLE_NUMBER).</summary>
    public const int MaxParameters = 32766;

    /// <summary>Most statements in one Script.</summary>
    public const int MaxScriptStatements = 10_000;

    private SqlCommand(SqlCommandKind kind, string sql, SqlValue[] parameters, SqlCommand[]? statements = null, long resultLimit = 0)
    {
        Kind = kind;
        Sql = sql;
        Parameters = parameters;
        Statements = statements ?? [];
        ResultLimit = resultLimit;
    }

    /// <summary>
    /// Most bytes an Execute's rows may take, below the guest's own limit (0: the guest's). A script's statements share
    /// one output, so each runs with what the ones before it left; the statement is kept with its limit in an open
    /// transaction's log, so a replay after a snapshot fails or succeeds as it did.
    /// </summary>
    public long ResultLimit { get; }

    /// <summary>This Execute with a result limit.</summary>
    public SqlCommand WithResultLimit(long limit)
    {
        if (Kind != SqlCommandKind.Execute) throw new InvalidOperationException("only an Execute takes a result limit");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return new SqlCommand(SqlCommandKind.Execute, Sql, Parameters.ToArray(), resultLimit: limit);
    }

    /// <summary>The Execute commands of a Script, in order; empty for the other kinds.</summary>
    public IReadOnlyList<SqlCommand> Statements { get; }

    /// <summary>Statements to run in order within one input; each must be an <see cref="Execute(string, SqlValue[])"/>.</summary>
    public static SqlCommand Script(IEnumerable<SqlCommand> statements)
    {
        var all = statements.ToArray();
        if (all.Length is 0 or > MaxScriptStatements)
            throw new ArgumentException($"a script holds 1 to {MaxScriptStatements} statements", nameof(statements));
        if (all.Any(s => s.Kind != SqlCommandKind.Execute)) throw new ArgumentException("a script holds Execute commands only", nameof(statements));
        return new SqlCommand(SqlCommandKind.Script, "", [], all);
    }

    public SqlCommandKind Kind { get; }

    /// <summary>The SQL text of an Execute or Describe; empty for Close.</summary>
    public string Sql { get; }

    public IReadOnlyList<SqlValue> Parameters { get; }

    public static SqlCommand Execute(string sql, params SqlValue[] parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length > MaxParameters) throw new ArgumentException($"at most {MaxParameters} parameters", nameof(parameters));
        return new SqlCommand(SqlCommandKind.Execute, sql, parameters.ToArray());
    }

    public static SqlCommand Execute(string sql, IEnumerable<SqlValue> parameters) => Execute(sql, parameters.ToArray());

    public static SqlCommand Close() => new(SqlCommandKind.Close, "", []);

    public static SqlCommand Describe(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return new SqlCommand(SqlCommandKind.Describe, sql, []);
    }

    public byte[] Encode()
    {
        var writer = new SqlWriter(16 + Sql.Length * 3);
        writer.Byte(Version);
        writer.Byte((byte)Kind);
        if (Kind == SqlCommandKind.Script)
        {
            writer.UVarint((ulong)Statements.Count);
            foreach (var statement in Statements) statement.WriteExecuteBody(writer);
        }
        else if (Kind == SqlCommandKind.Execute)
        {
            WriteExecuteBody(writer);
            if (ResultLimit > 0) writer.UVarint((ulong)ResultLimit);
        }
        else if (Kind == SqlCommandKind.Describe) writer.String(Sql);
        return writer.ToArray();
    }

    private void WriteExecuteBody(SqlWriter writer)
    {
        writer.String(Sql);
        writer.UVarint((ulong)Parameters.Count);
        foreach (var parameter in Parameters) writer.Value(parameter);
    }

    /// <summary>Decodes a command; returns an error text instead of throwing on malformed bytes.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SqlCommand? command, out string? error)
    {
        command = null;
        var reader = new SqlReader(bytes);
        if (!reader.Byte(out var version) || version != Version)
        {
            error = reader.Error is null ? $"unsupported sql command version {version}" : "empty sql command";
            return false;
        }
        if (!reader.Byte(out var kind) || kind is not ((byte)SqlCommandKind.Execute or (byte)SqlCommandKind.Close or (byte)SqlCommandKind.Describe
                or (byte)SqlCommandKind.Script))
        {
            error = reader.Error is null ? $"unknown sql command kind {kind}" : "truncated sql command";
            return false;
        }
        if (kind == (byte)SqlCommandKind.Close)
        {
            if (!reader.AtEnd) { error = "trailing bytes after sql command"; return false; }
            command = Close();
            error = null;
            return true;
        }
        if (kind == (byte)SqlCommandKind.Describe)
        {
            if (!reader.String(out var described)) { error = $"malformed sql command: {reader.Error}"; return false; }
            if (!reader.AtEnd) { error = "trailing bytes after sql command"; return false; }
            command = Describe(described);
            error = null;
            return true;
        }
        if (kind == (byte)SqlCommandKind.Script)
        {
            // Every statement takes at least two bytes (empty text, no parameters).
            if (!reader.Count(out var statementCount, 2)) { error = $"malformed sql script: {reader.Error}"; return false; }
            if (statementCount is 0 or > MaxScriptStatements) { error = $"a script holds 1 to {MaxScriptStatements} statements"; return false; }
            var statements = new SqlCommand[statementCount];
            for (var i = 0; i < statementCount; i++)
            {
                if (!TryReadExecuteBody(ref reader, out statements[i]!, out error))
                {
                    error = $"statement {i + 1} of the script: {error}";
                    return false;
                }
            }
            if (!reader.AtEnd) { error = "trailing bytes after sql command"; return false; }
            command = new SqlCommand(SqlCommandKind.Script, "", [], statements);
            error = null;
            return true;
        }
        if (!TryReadExecuteBody(ref reader, out var execute, out error)) return false;
        long limit = 0;
        if (!reader.AtEnd)
        {
            if (!reader.UVarint(out var rawLimit) || rawLimit is 0 or > long.MaxValue) { error = "malformed result limit"; return false; }
            limit = (long)rawLimit;
        }
        if (!reader.AtEnd) { error = "trailing bytes after sql command"; return false; }
        command = limit > 0 ? execute.WithResultLimit(limit) : execute;
        return true;
    }

    private static bool TryReadExecuteBody(ref SqlReader reader, out SqlCommand command, out string? error)
    {
        command = null!;
        if (!reader.String(out var sql) || !reader.Count(out var count, 1))
        {
            error = $"malformed sql command: {reader.Error}";
            return false;
        }
        if (count > MaxParameters) { error = $"more than {MaxParameters} parameters"; return false; }
        var parameters = new SqlValue[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.Value(out parameters[i]))
            {
                error = $"malformed sql parameter {i + 1}: {reader.Error}";
                return false;
            }
        }
        command = new SqlCommand(SqlCommandKind.Execute, sql, parameters);
        error = null;
        return true;
    }

    public override string ToString() => Kind switch
    {
        SqlCommandKind.Close => "CLOSE",
        SqlCommandKind.Script => string.Join("; ", Statements),
        SqlCommandKind.Describe => "DESCRIBE " + Sql,
        _ => Parameters.Count == 0 ? Sql : $"{Sql} [{string.Join(", ", Parameters)}]",
    };
}
