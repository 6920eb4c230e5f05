namespace AkkaLockstep.PgWire.Protocol;

/// <summary>
/// Bytes from the client break the protocol. Fatal ones (framing lost, unknown message type) end the connection
/// after a FATAL ErrorResponse; the others are answered with an ERROR and the connection goes on.
/// </summary>
internal sealed class PgProtocolException(string message, bool fatal, string sqlState = PgSqlState.ProtocolViolation)
    : Exception(message)
{
    public bool Fatal { get; } = fatal;

    public PgError Error => new(sqlState, Message);

    public static PgProtocolException Malformed(string what) => new($"invalid {what} message format", fatal: false);
}
