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
}

/// <summary>
/// One sql guest command. Wire form (version 1): version byte <c>1</c>, kind byte; for Execute the SQL text
/// (varint length + UTF-8), a varint parameter count and the parameters (see <see cref="SqlWriter"/>: a kind byte
/// then a zigzag varint, 8-byte real, or length-prefixed text/blob); for Describe the SQL text alone. Close has no body.
/// <para>Parameters are positional: <c>$1</c>…<c>$n</c> (PostgreSQL style), <c>?NNN</c>, or anonymous <c>?</c>
/// (numbered by SQLite's rules: one more than the largest so far). Named parameters (<c>:a</c>, <c>@a</c>,
/// <c>$a</c>) are refused. The number of parameters supplied must equal the highest parameter number used.</para>
/// </summary>
public sealed class SqlCommand
{
    public const byte Version = 1;

    /// <summary>Most parameters one statement may take (SQLite's default SQLITE_MAX_VARIABLE_NUMBER).</summary>
    public const int MaxParameters = 32766;

    private SqlCommand(SqlCommandKind kind, string sql, SqlValue[] parameters)
    {
        Kind = kind;
        Sql = sql;
        Parameters = parameters;
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
        if (Kind != SqlCommandKind.Close) writer.String(Sql);
        if (Kind == SqlCommandKind.Execute)
        {
            writer.UVarint((ulong)Parameters.Count);
            foreach (var parameter in Parameters) writer.Value(parameter);
        }
        return writer.ToArray();
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
        if (!reader.Byte(out var kind) || kind is not ((byte)SqlCommandKind.Execute or (byte)SqlCommandKind.Close or (byte)SqlCommandKind.Describe))
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
        if (!reader.AtEnd) { error = "trailing bytes after sql command"; return false; }
        command = new SqlCommand(SqlCommandKind.Execute, sql, parameters);
        error = null;
        return true;
    }

    public override string ToString() => Kind switch
    {
        SqlCommandKind.Close => "CLOSE",
        SqlCommandKind.Describe => "DESCRIBE " + Sql,
        _ => Parameters.Count == 0 ? Sql : $"{Sql} [{string.Join(", ", Parameters)}]",
    };
}
