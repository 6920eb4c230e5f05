namespace AkkaLockstep.Client;

/// <summary>Exponential backoff with jitter, so clients retrying after a failover do not stampede in step.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private TimeSpan _next = initial;

    public Task DelayAsync(CancellationToken cancellationToken)
    {
        var delay = _next * (0.5 + Random.Shared.NextDouble() / 2);
        _next = _next * 2 < max ? _next * 2 : max;
        return Task.Delay(delay, cancellationToken);
    }
}
