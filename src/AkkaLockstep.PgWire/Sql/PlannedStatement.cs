namespace AkkaLockstep.PgWire.Sql;

/// <summary>What the gateway does with one statement: send it to the backend, answer it itself, or refuse it.</summary>
internal abstract record PlannedStatement;

/// <summary>No statement at all (only whitespace or comments): answered with EmptyQueryResponse.</summary>
internal sealed record EmptyStatement : PlannedStatement;

/// <summary>Refused by the gateway before it reaches the backend (COPY, LISTEN, unsupported catalog queries, ...).</summary>
internal sealed record RejectedStatement(PgError Error) : PlannedStatement;

internal enum TransactionControl
{
    None,
    Begin,
    Commit,
    Rollback,
    RollbackToSavepoint,
}

/// <summary>A statement for the backend; transaction control is canonicalised (see <see cref="IPgSession.ExecuteAsync"/>).</summary>
internal sealed record BackendStatement(string Sql, TransactionControl Control) : PlannedStatement;

/// <summary>SET: <see cref="Name"/> null for forms that are accepted and ignored; <see cref="Value"/> null for DEFAULT.</summary>
internal sealed record SetCommand(string? Name, string? Value) : PlannedStatement;

/// <summary>SHOW name, or SHOW ALL when <see cref="Name"/> is "all".</summary>
internal sealed record ShowCommand(string Name) : PlannedStatement;

/// <summary>RESET name, or RESET ALL when <see cref="Name"/> is null.</summary>
internal sealed record ResetCommand(string? Name) : PlannedStatement;

/// <summary>DISCARD ALL resets settings and drops prepared statements and portals; the other forms have nothing to drop.</summary>
internal sealed record DiscardCommand(string Tag, bool All) : PlannedStatement;

/// <summary>DEALLOCATE name, or DEALLOCATE ALL when <see cref="Name"/> is null.</summary>
internal sealed record DeallocateCommand(string? Name) : PlannedStatement;

/// <summary>Statements drivers send while resetting a connection that have nothing to undo here (CLOSE ALL, UNLISTEN).</summary>
internal sealed record NoOpCommand(string Tag) : PlannedStatement;
