namespace AkkaLockstep.PgWire;

/// <summary>An SQL error a backend (or the gateway) reports to the client with its SQLSTATE.</summary>
public sealed class PgException(PgError error) : Exception(error.Message)
{
    public PgException(string sqlState, string message, string? detail = null, string? hint = null)
        : this(new PgError(sqlState, message, detail, hint))
    {
    }

    public PgError Error { get; } = error;

    public string SqlState => Error.SqlState;
}
