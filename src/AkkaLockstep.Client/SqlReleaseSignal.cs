namespace AkkaLockstep.Client;

/// <summary>
/// Tells the sql sessions of one client on one VM that one of them has just ended its transaction, so the others
/// waiting out a Busy answer retry at once instead of sleeping out their backoff. Only a wake-up: the retry is the same
/// request it would have been, and a transaction of another client still ends their wait by the backoff timer.
/// </summary>
public sealed class SqlReleaseSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>; take it before sending, so a release during the call counts.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
