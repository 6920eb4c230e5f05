namespace AkkaLockstep.Client;

/// <summary>No endpoint could name a VM's primary this round (unreachable, or failover under way); retried.</summary>
internal sealed class LocateFailedException(string message, Exception? innerException = null)
    : Exception(message, innerException);
