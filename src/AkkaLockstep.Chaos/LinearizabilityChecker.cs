using System.Diagnostics;

namespace AkkaLockstep.Chaos;

/// <summary>
/// Checks a kv history for linearizability. A kv map is a set of independent registers, so each key is checked
/// on its own (linearizability is compositional): first depth-first, which finds a linearization quickly when
/// there is one, then, if that search runs past its allowance, breadth-first, which refutes efficiently.
/// <para>
/// Give every write a unique value (client and op id, say). Values nobody reads then cost nothing, and an
/// Unknown write can only explain reads of its own value. With a handful of repeated values, Unknown writes can
/// explain almost any read, and refuting a hot key can take exponential time: the budget then yields null.
/// </para>
/// </summary>
public static class LinearizabilityChecker
{
    public static LinearizabilityResult Check(IReadOnlyList<HistoryOp> ops, TimeSpan budget) => Check(ops, budget, null);

    /// <param name="depthFirstVisits">
    /// Configurations the depth-first search may visit per key before the breadth-first one takes over; null
    /// scales it with the key's ops. Tests pin it to run either search alone.
    /// </param>
    internal static LinearizabilityResult Check(IReadOnlyList<HistoryOp> ops, TimeSpan budget, int? depthFirstVisits)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var deadline = Deadline(budget);
        // Small keys first: they are cheap, so a violation among them is found even if a hot key later eats the budget.
        var keys = ops.GroupBy(o => o.Key, StringComparer.Ordinal)
            .Select(g => g.ToList())
            .OrderBy(g => g.Count)
            .ThenBy(g => g[0].Key, StringComparer.Ordinal)
            .ToList();
        foreach (var keyOps in keys)
        {
            if (Stopwatch.GetTimestamp() >= deadline) return new(null, keys.Count, ops.Count, null);
            var history = new RegisterHistory(keyOps[0].Key, keyOps);
            var depthFirst = new DepthFirstSearch(history);
            var verdict = depthFirst.Run(deadline, depthFirstVisits ?? 16 * history.Ops.Length + 1024);
            Func<DeepestPoint> deepest = depthFirst.Deepest;
            if (verdict == SearchVerdict.GaveUp)
            {
                var layered = new LayeredSearch(history);
                verdict = layered.Run(deadline);
                deepest = layered.Deepest;
            }
            switch (verdict)
            {
                case SearchVerdict.OutOfTime:
                    return new(null, keys.Count, ops.Count, null);
                case SearchVerdict.NotLinearizable:
                    return new(false, keys.Count, ops.Count, Counterexample.Describe(history, deepest()));
            }
        }
        return new(true, keys.Count, ops.Count, null);
    }

    private static long Deadline(TimeSpan budget)
    {
        var now = Stopwatch.GetTimestamp();
        var ticks = Math.Max(0, budget.TotalSeconds) * Stopwatch.Frequency;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }
}
