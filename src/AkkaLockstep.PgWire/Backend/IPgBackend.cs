namespace AkkaLockstep.PgWire;

/// <summary>Opens SQL sessions for authenticated client connections.</summary>
public interface IPgBackend
{
    /// <summary>
    /// Opens a session on <paramref name="database"/> (the name from the startup packet) for <paramref name="user"/>.
    /// Returns null, or throws <see cref="PgException"/> with SQLSTATE 3D000, when the database does not exist;
    /// any other <see cref="PgException"/> is sent to the client as a FATAL error.
    /// </summary>
    ValueTask<IPgSession?> OpenSessionAsync(string database, string user, CancellationToken cancellationToken);
}
