using AkkaLockstep.PgWire.Protocol;
using AkkaLockstep.PgWire.Sql;
using AkkaLockstep.PgWire.Types;

namespace AkkaLockstep.PgWire.Server;

internal sealed partial class PgConnection
{
    /// <summary>Parse, Bind, Describe, Execute and Close; an error in any of them skips everything up to the next Sync.</summary>
    async Task ExtendedAsync(FrontendMessage message)
    {
        try
        {
            switch (message)
            {
                case ParseMessage parse:
                    Parse(parse);
                    break;
                case BindMessage bind:
                    Bind(bind);
                    break;
                case DescribeMessage { Target: DescribeTarget.Statement } describe:
                    await DescribeStatementAsync(describe.Name);
                    break;
                case DescribeMessage describe:
                    await DescribePortalAsync(describe.Name);
                    break;
                case ExecuteMessage execute:
                    await ExecuteAsync(execute);
                    break;
                case CloseMessage close:
                    if (close.Target == DescribeTarget.Statement)
                        _statements.Remove(close.Name);
                    else
                        _portals.Remove(close.Name);
                    _writer.CloseComplete();
                    break;
            }
        }
        catch (PgException e)
        {
            _writer.ErrorResponse(e.Error);
            _skipUntilSync = true;
        }
    }

    void Parse(ParseMessage parse)
    {
        if (parse.Statement.Length > 0 && _statements.ContainsKey(parse.Statement))
            throw new PgException(PgSqlState.DuplicatePreparedStatement, $"prepared statement \"{parse.Statement}\" already exists");
        var texts = SqlScript.Split(parse.Sql);
        if (texts.Count > 1)
            throw new PgException(PgSqlState.SyntaxError, "cannot insert multiple commands into a prepared statement");
        var sql = texts.Count == 0 ? "" : texts[0];
        var tokens = SqlTokenizer.Tokenize(sql);
        var parameterCount = SqlScript.ParameterCount(sql, tokens);
        if (parameterCount < 0)
            throw new PgException(PgSqlState.UndefinedParameter, "parameter number out of range");
        var planned = StatementPlanner.Plan(sql, tokens);
        if (planned is RejectedStatement rejected)
            throw new PgException(rejected.Error);
        if (_status == PgTransactionStatus.Failed && !EndsTransaction(planned))
            throw new PgException(InFailedTransaction);

        var types = new uint[Math.Max(parameterCount, parse.ParameterTypes.Length)];
        parse.ParameterTypes.CopyTo(types, 0);
        _statements[parse.Statement] = new PreparedStatement(planned, types);
        _writer.ParseComplete();
    }

    void Bind(BindMessage bind)
    {
        var statement = FindStatement(bind.Statement);
        if (bind.Portal.Length > 0 && _portals.ContainsKey(bind.Portal))
            throw new PgException(PgSqlState.DuplicateCursor, $"portal \"{bind.Portal}\" already exists");
        var values = bind.ParameterValues;
        if (bind.ParameterFormats.Length > 1 && bind.ParameterFormats.Length != values.Length)
            throw new PgException(PgSqlState.ProtocolViolation, $"bind message has {bind.ParameterFormats.Length} parameter formats but {values.Length} parameters");
        if (values.Length != statement.ParameterTypes.Length)
        {
            throw new PgException(
                PgSqlState.ProtocolViolation,
                $"bind message supplies {values.Length} parameters, but prepared statement \"{bind.Statement}\" requires {statement.ParameterTypes.Length}");
        }

        if (_status == PgTransactionStatus.Failed && !EndsTransaction(statement.Planned))
            throw new PgException(InFailedTransaction);

        var parameters = new PgParameter[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var format = bind.ParameterFormats.Length switch { 0 => (short)0, 1 => bind.ParameterFormats[0], _ => bind.ParameterFormats[i] };
            var type = statement.ParameterTypes[i];
            parameters[i] = new PgParameter(type, values[i] is { } bytes ? PgParameterDecoder.Decode(type, format, bytes, i + 1) : null);
        }

        _portals[bind.Portal] = new Portal(statement, parameters, bind.ResultFormats);
        _writer.BindComplete();
    }

    async Task DescribeStatementAsync(string name)
    {
        var statement = FindStatement(name);
        _writer.ParameterDescription(statement.ParameterTypes.Select(t => t == PgTypeOid.Unspecified ? PgTypeOid.Text : t).ToList());
        if (!statement.Described)
            statement.Describe(await DescribeAsync(statement.Planned, statement.ParameterTypes));
        if (statement.Columns is { } columns)
            _writer.RowDescription(columns, new short[columns.Count]);
        else
            _writer.NoData();
    }

    /// <summary>
    /// Describe of a portal on a backend statement runs it (its parameters are bound, so the Execute that follows
    /// would run the same thing): only the result tells the column types of expressions and dynamically typed
    /// SQLite columns. Other statements are described without running.
    /// </summary>
    async Task DescribePortalAsync(string name)
    {
        var portal = FindPortal(name);
        if (await PortalColumnsAsync(portal) is { } columns)
            _writer.RowDescription(columns, ResolveFormats(portal.ResultFormats, columns));
        else
            _writer.NoData();
    }

    async Task ExecuteAsync(ExecuteMessage execute)
    {
        var portal = FindPortal(execute.Portal);
        if (portal.Statement.Planned is EmptyStatement)
        {
            _writer.EmptyQueryResponse();
            return;
        }

        var columns = await PortalColumnsAsync(portal);
        var result = portal.Result ??= await RunPortalAsync(portal);
        if (columns is not null)
        {
            var formats = ResolveFormats(portal.ResultFormats, columns);
            var limit = execute.MaxRows == 0 ? int.MaxValue : execute.MaxRows;
            for (var sent = 0; sent < limit && portal.NextRow < result.Rows.Count; sent++)
            {
                PgValueEncoder.WriteDataRow(_writer, result.Rows[portal.NextRow], columns, formats);
                portal.NextRow++;
                if (_writer.Length > FlushThreshold)
                    await FlushAsync(shutdown);
            }

            if (portal.NextRow < result.Rows.Count)
            {
                _writer.PortalSuspended();
                return;
            }
        }

        _writer.CommandComplete(result.CommandTag);
    }

    /// <summary>The portal's row shape: the statement's if already described, else the result's (which then fixes the statement's).</summary>
    async Task<IReadOnlyList<PgColumn>?> PortalColumnsAsync(Portal portal)
    {
        var statement = portal.Statement;
        if (!statement.Described)
        {
            if (statement.Planned is BackendStatement { Control: TransactionControl.None })
            {
                portal.Result ??= await RunPortalAsync(portal);
                statement.Describe(portal.Result.Columns);
            }
            else
            {
                statement.Describe(await DescribeAsync(statement.Planned, statement.ParameterTypes));
            }
        }

        return statement.Columns;
    }

    /// <summary>Runs the portal's statement; an error is raised (after its notices) and not kept, so the portal can be retried.</summary>
    async Task<PgStatementResult> RunPortalAsync(Portal portal)
    {
        var result = await RunAsync(portal.Statement.Planned, portal.Parameters);
        WriteNotices(result);
        return result.Error is { } error ? throw new PgException(error) : result;
    }

    /// <summary>One format code per column from Bind's list (none = all text, one = for all, else one each).</summary>
    static short[] ResolveFormats(short[] requested, IReadOnlyList<PgColumn> columns)
    {
        if (requested.Length > 1 && requested.Length != columns.Count)
        {
            throw new PgException(
                PgSqlState.ProtocolViolation, $"bind message has {requested.Length} result formats but query has {columns.Count} columns");
        }

        var formats = new short[columns.Count];
        for (var i = 0; i < formats.Length; i++)
        {
            formats[i] = requested.Length switch { 0 => (short)0, 1 => requested[0], _ => requested[i] };
            if (formats[i] is not (0 or 1))
                throw new PgException(PgSqlState.ProtocolViolation, $"unsupported format code: {formats[i]}");
            if (formats[i] == 1 && !PgValueEncoder.SupportsBinary(columns[i].TypeOid))
                throw PgValueEncoder.NoBinaryOutput(columns[i].TypeOid);
        }

        return formats;
    }

    PreparedStatement FindStatement(string name) =>
        _statements.TryGetValue(name, out var statement)
            ? statement
            : throw new PgException(PgSqlState.InvalidSqlStatementName, $"prepared statement \"{name}\" does not exist");

    Portal FindPortal(string name) =>
        _portals.TryGetValue(name, out var portal)
            ? portal
            : throw new PgException(PgSqlState.InvalidCursorName, $"portal \"{name}\" does not exist");
}
