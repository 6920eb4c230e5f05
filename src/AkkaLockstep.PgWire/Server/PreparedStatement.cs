using AkkaLockstep.PgWire.Sql;

namespace AkkaLockstep.PgWire.Server;

/// <summary>
/// A statement created by Parse. Once its row shape has been described to the client (by Describe of the statement
/// or of a portal on it) that shape is fixed: clients cache it and later skip Describe, so every later execution
/// is sent in the same column types.
/// </summary>
internal sealed class PreparedStatement(PlannedStatement planned, uint[] parameterTypes)
{
    public PlannedStatement Planned { get; } = planned;

    public uint[] ParameterTypes { get; } = parameterTypes;

    public bool Described { get; private set; }

    public IReadOnlyList<PgColumn>? Columns { get; private set; }

    public void Describe(IReadOnlyList<PgColumn>? columns)
    {
        Columns = columns;
        Described = true;
    }
}

/// <summary>
/// A statement bound to parameter values by Bind. Its result is produced once (at Describe or the first Execute)
/// and then handed out in slices by Execute's row limit.
/// </summary>
internal sealed class Portal(PreparedStatement statement, PgParameter[] parameters, short[] resultFormats)
{
    public PreparedStatement Statement { get; } = statement;

    public PgParameter[] Parameters { get; } = parameters;

    public short[] ResultFormats { get; } = resultFormats;

    public PgStatementResult? Result { get; set; }

    public int NextRow { get; set; }
}
