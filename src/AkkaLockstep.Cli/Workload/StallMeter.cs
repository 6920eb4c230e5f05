namespace AkkaLockstep.Cli.Workload;

/// <summary>
/// Client-visible stalls of a running stream: sampled every few milliseconds with the acknowledged count, it keeps
/// every gap between two samples that saw progress, so the longest stall of any time window can be asked for.
/// </summary>
public sealed class StallMeter
{
    private readonly List<(double StartMs, double EndMs)> _gaps = [];
    private long _lastAcked;
    private double _lastProgressMs;

    public void Sample(double nowMs, long acked)
    {
        lock (_gaps)
        {
            if (acked == _lastAcked) return;
            _gaps.Add((_lastProgressMs, nowMs));
            _lastAcked = acked;
            _lastProgressMs = nowMs;
        }
    }

    /// <summary>The longest gap that ended within (fromMs, toMs], or that is still open at toMs.</summary>
    public double MaxStallIn(double fromMs, double toMs)
    {
        lock (_gaps)
        {
            var ended = _gaps.Where(g => g.EndMs > fromMs && g.EndMs <= toMs).Select(g => g.EndMs - g.StartMs).DefaultIfEmpty(0).Max();
            var open = _lastProgressMs < toMs ? toMs - Math.Max(_lastProgressMs, fromMs) : 0;
            return Math.Max(ended, open);
        }
    }
}
