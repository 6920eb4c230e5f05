using System.Diagnostics;

namespace AkkaLockstep.Cli.Workload;

/// <summary>Per-session latency samples (one writer each), merged once at the end for percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<long> _ticks = new(1 << 16);

    public void Record(long startTimestamp) => _ticks.Add(Stopwatch.GetTimestamp() - startTimestamp);

    public int Count => _ticks.Count;

    public static (double P50, double P99, double Max) Percentiles(IEnumerable<LatencyRecorder> recorders)
    {
        var all = recorders.SelectMany(r => r._ticks).ToArray();
        if (all.Length == 0) return (0, 0, 0);
        Array.Sort(all);
        double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
        return (Ms(all[(int)(all.Length * 0.50)]), Ms(all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]), Ms(all[^1]));
    }
}
