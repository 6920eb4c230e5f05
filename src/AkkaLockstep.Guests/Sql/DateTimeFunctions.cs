using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// Replaces SQLite's date and time functions on the guest's connection with versions that refuse the
/// <c>'localtime'</c> and <c>'utc'</c> modifiers: those read the host's time zone, which may differ between the two
/// replicas' hosts. Every other call is computed by SQLite's own built-in function, run on a private helper
/// connection that uses the same deterministic VFS (so <c>'now'</c> is the input's time there too). User functions
/// take precedence over built-ins of the same name in SQLite, so this covers SQL text, views, triggers and column
/// defaults alike. CURRENT_TIMESTAMP/DATE/TIME take no modifiers and are left to SQLite.
/// </summary>
internal sealed class DateTimeFunctions : IDisposable
{
    private static readonly string[] Names = ["date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff"];

    private const int Utf8 = 1, Deterministic = 0x800, Innocuous = 0x200000;
    private const int MaxArguments = 16;

    private readonly SqliteConnection _helper;
    private readonly Dictionary<(string Name, int Arity), sqlite3_stmt> _statements = [];

    public DateTimeFunctions(Func<string, SqliteConnection> open)
    {
        _helper = open("datetime-helper");
    }

    public void Install(sqlite3 db)
    {
        foreach (var name in Names)
        {
            var rc = raw.sqlite3_create_function(db, name, -1, Utf8 | Deterministic | Innocuous, name, Invoke);
            if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"registering {name}() failed ({rc})");
        }
    }

    private void Invoke(sqlite3_context context, object userData, sqlite3_value[] args)
    {
        try
        {
            Call(context, (string)userData, args);
        }
        catch (Exception e)
        {
            // Never let an exception unwind through SQLite's native frames.
            raw.sqlite3_result_error(context, $"{userData}() failed: {e.Message}");
        }
    }

    private void Call(sqlite3_context context, string name, sqlite3_value[] args)
    {
        foreach (var arg in args)
        {
            if (raw.sqlite3_value_type(arg) != raw.SQLITE_TEXT) continue;
            var text = raw.sqlite3_value_text(arg).utf8_to_string()?.Trim();
            if (string.Equals(text, "localtime", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "utc", StringComparison.OrdinalIgnoreCase))
            {
                raw.sqlite3_result_error(context, $"the '{text}' modifier of {name}() is not allowed in the sql guest: it depends on the host's time zone");
                return;
            }
        }
        if (args.Length > MaxArguments)
        {
            raw.sqlite3_result_error(context, $"too many arguments to {name}()");
            return;
        }
        var statement = Statement(name, args.Length);
        try
        {
            for (var i = 0; i < args.Length; i++) BindCopy(statement, i + 1, args[i]);
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_ROW)
            {
                raw.sqlite3_result_error(context, raw.sqlite3_errmsg(_helper.Handle).utf8_to_string() ?? $"{name}() failed");
                return;
            }
            switch (raw.sqlite3_column_type(statement, 0))
            {
                case raw.SQLITE_INTEGER: raw.sqlite3_result_int64(context, raw.sqlite3_column_int64(statement, 0)); break;
                case raw.SQLITE_FLOAT: raw.sqlite3_result_double(context, raw.sqlite3_column_double(statement, 0)); break;
                case raw.SQLITE_TEXT:
                    var text = raw.sqlite3_column_blob(statement, 0);
                    if (text.IsEmpty) raw.sqlite3_result_text(context, "");
                    else raw.sqlite3_result_text(context, text);
                    break;
                case raw.SQLITE_BLOB: raw.sqlite3_result_blob(context, raw.sqlite3_column_blob(statement, 0)); break;
                default: raw.sqlite3_result_null(context); break;
            }
        }
        finally
        {
            raw.sqlite3_reset(statement);
            raw.sqlite3_clear_bindings(statement);
        }
    }

    private sqlite3_stmt Statement(string name, int arity)
    {
        if (_statements.TryGetValue((name, arity), out var statement)) return statement;
        var sql = $"SELECT {name}({string.Join(", ", Enumerable.Range(1, arity).Select(i => "?" + i))})";
        var rc = raw.sqlite3_prepare_v2(_helper.Handle, sql, out statement);
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"preparing {sql} failed: {raw.sqlite3_errmsg(_helper.Handle).utf8_to_string()}");
        _statements[(name, arity)] = statement;
        return statement;
    }

    private static void BindCopy(sqlite3_stmt statement, int index, sqlite3_value value)
    {
        switch (raw.sqlite3_value_type(value))
        {
            case raw.SQLITE_INTEGER: raw.sqlite3_bind_int64(statement, index, raw.sqlite3_value_int64(value)); break;
            case raw.SQLITE_FLOAT: raw.sqlite3_bind_double(statement, index, raw.sqlite3_value_double(value)); break;
            case raw.SQLITE_TEXT:
                var text = raw.sqlite3_value_blob(value);
                if (text.IsEmpty) raw.sqlite3_bind_text(statement, index, "");
                else raw.sqlite3_bind_text(statement, index, text);
                break;
            case raw.SQLITE_BLOB:
                var blob = raw.sqlite3_value_blob(value);
                if (blob.IsEmpty) raw.sqlite3_bind_zeroblob(statement, index, 0);
                else raw.sqlite3_bind_blob(statement, index, blob);
                break;
            default: raw.sqlite3_bind_null(statement, index); break;
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
        _helper.Dispose();
    }
}
