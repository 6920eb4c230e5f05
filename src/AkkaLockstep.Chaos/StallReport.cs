namespace AkkaLockstep.Chaos;

/// <summary>How long clients waited, overall and per chaos cycle.</summary>
public static class StallReport
{
    /// <summary>Max, p99 and p50 of CompletedMs - InvokedMs over answered ops; zeros when there are none.</summary>
    public static StallStats Stats(IReadOnlyList<HistoryOp> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var latencies = ops.Where(o => o is { Answered: true, CompletedMs: not null }).Select(Waited).ToList();
        return latencies.Count == 0
            ? new StallStats(0, 0, 0)
            : new StallStats(latencies.Max(), Percentile(latencies, 99), Percentile(latencies, 50));
    }

    /// <summary>
    /// The longest any client waited on one op whose wait overlaps [fromMs, toMs] (invoked, completed or still
    /// waiting in it), counted in full. Unknown ops count up to when the client gave up, since a timeout is the
    /// worst stall a client sees; an op with no recorded end has no measurable wait and is skipped.
    /// </summary>
    public static double MaxStallIn(IReadOnlyList<HistoryOp> ops, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(ops);
        return ops.Where(o => o.CompletedMs is { } completed && o.InvokedMs <= toMs && completed >= fromMs)
            .Select(Waited)
            .DefaultIfEmpty(0)
            .Max();
    }

    /// <summary>Nearest-rank percentile (the smallest value with at least p% of values at or below it); 0 when empty.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile * sorted.Length / 100);
        return sorted[Math.Max(rank, 1) - 1];
    }

    private static double Waited(HistoryOp op) => op.CompletedMs!.Value - op.InvokedMs;
}
