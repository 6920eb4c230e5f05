namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>Percentiles of latencies by the nearest-rank method: the smallest value with at least p % of all at or below it.</summary>
public static class LatencyPercentiles
{
    /// <returns>Milliseconds, rounded to 0.001; 0 when there are no values.</returns>
    public static double Ms(IReadOnlyList<long> microseconds, double percent)
    {
        if (percent is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent), "a percentile is in (0, 100]");
        if (microseconds.Count == 0) return 0;
        var sorted = microseconds.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return Math.Round(sorted[Math.Max(rank, 1) - 1] / 1000.0, 3);
    }
}
