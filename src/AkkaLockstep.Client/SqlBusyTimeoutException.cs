namespace AkkaLockstep.Client;

/// <summary>
/// A sql statement kept getting Busy (another session's transaction held the database) for longer than
/// <see cref="SqlSessionOptions.BusyTimeout"/>. Unlike a plain <see cref="TimeoutException"/> from the client, the
/// outcome is known: the statement did not run.
/// </summary>
public sealed class SqlBusyTimeoutException(string message) : TimeoutException(message);
