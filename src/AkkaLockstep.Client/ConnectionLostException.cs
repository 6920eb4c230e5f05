namespace AkkaLockstep.Client;

/// <summary>A connection could not be opened or broke; whatever was in flight on it is retried.</summary>
internal sealed class ConnectionLostException : Exception
{
    public ConnectionLostException(string message) : base(message) { }

    public ConnectionLostException(string message, Exception innerException) : base(message, innerException) { }
}
