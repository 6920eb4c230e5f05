using System.Diagnostics;

namespace AkkaLockstep.Chaos;

/// <summary>
/// Checks a kv history for linearizability. A kv map is a set of independent registers, so each key is checked
/// on its own (linearizability is compositional), with <see cref="RegisterSearch"/>.
/// </summary>
public static class LinearizabilityChecker
{
    public static LinearizabilityResult Check(IReadOnlyList<HistoryOp> ops, TimeSpan budget)
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
            var search = new RegisterSearch(history);
            switch (search.Run(deadline))
            {
                case RegisterSearch.Verdict.OutOfTime:
                    return new(null, keys.Count, ops.Count, null);
                case RegisterSearch.Verdict.NotLinearizable:
                    return new(false, keys.Count, ops.Count, Counterexample.Describe(history, search));
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
