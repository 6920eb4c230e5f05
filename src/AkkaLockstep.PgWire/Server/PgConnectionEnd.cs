namespace AkkaLockstep.PgWire;

/// <summary>Why a connection ended.</summary>
public enum PgConnectionEnd
{
    /// <summary>The client sent Terminate.</summary>
    Terminated,

    /// <summary>The client closed the connection without Terminate (or in the middle of a message).</summary>
    Disconnected,

    /// <summary>The connection only carried a CancelRequest.</summary>
    CancelRequest,

    /// <summary>The client broke the protocol; it was sent a FATAL ErrorResponse.</summary>
    ProtocolViolation,

    /// <summary>Wrong password or unknown user; the client was sent FATAL 28P01.</summary>
    AuthenticationFailed,

    /// <summary>Start-up was refused (unknown database, unsupported encoding, too many connections); FATAL sent.</summary>
    Rejected,

    /// <summary>Authentication did not finish within <see cref="PgGatewayOptions.AuthenticationTimeout"/>.</summary>
    TimedOut,

    /// <summary>The server is shutting down; FATAL 57P01 sent.</summary>
    ServerShutdown,

    /// <summary>A fault in the gateway itself; FATAL XX000 sent. Never expected.</summary>
    InternalError,
}
