namespace AkkaLockstep.Client;

/// <summary>Counters of one client since it was created.</summary>
/// <param name="Requests">Calls to ExecuteAsync.</param>
/// <param name="Retries">Re-sends of a request after a failed attempt (same request number).</param>
/// <param name="Redirects">NOT_PRIMARY answers received.</param>
/// <param name="Locates">Locate answers received.</param>
/// <param name="Connects">Connections opened.</param>
/// <param name="ConnectionFailures">Connections that could not be opened or broke.</param>
/// <param name="Timeouts">Calls that ran out of RequestTimeout.</param>
public sealed record LockstepClientStatistics(
    long Requests, long Retries, long Redirects, long Locates, long Connects, long ConnectionFailures, long Timeouts);

internal sealed class ClientCounters
{
    public long Requests;
    public long Retries;
    public long Redirects;
    public long Locates;
    public long Connects;
    public long ConnectionFailures;
    public long Timeouts;

    public LockstepClientStatistics Snapshot() => new(
        Interlocked.Read(ref Requests), Interlocked.Read(ref Retries), Interlocked.Read(ref Redirects),
        Interlocked.Read(ref Locates), Interlocked.Read(ref Connects), Interlocked.Read(ref ConnectionFailures),
        Interlocked.Read(ref Timeouts));
}
