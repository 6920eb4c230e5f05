namespace AkkaLockstep.Chaos;

/// <summary>
/// Looks for two primaries answering in one epoch window. A (epoch, host) pair is an event if (a) another host
/// answered in the same epoch first, or (b) it answered an op invoked after an op answered in a newer epoch had
/// completed: a deposed primary still serving after its successor served a client. Unknown ops carry no primary
/// and are ignored. Ops that touch in time count as concurrent, as in the linearizability check.
/// </summary>
public static class SplitBrainChecker
{
    private const int MaxExamples = 10;

    public static SplitBrainReport Check(IReadOnlyList<HistoryOp> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var answered = ops.Where(o => o is { Answered: true, CompletedMs: not null }).ToList();
        var events = new HashSet<(long Epoch, string? Host)>();
        var examples = new List<string>();

        void Report(HistoryOp op, string example)
        {
            if (events.Add((op.Epoch, op.Host)) && examples.Count < MaxExamples) examples.Add(example);
        }

        foreach (var epoch in answered.GroupBy(o => o.Epoch))
        {
            // The host that answered first in an epoch is taken as its primary; every other one is a second primary.
            var firstByHost = epoch.GroupBy(o => o.Host).Select(h => h.MinBy(o => o.CompletedMs)!).OrderBy(o => o.CompletedMs).ToList();
            foreach (var other in firstByHost.Skip(1))
                Report(other, $"epoch {epoch.Key} answered by {firstByHost[0].Host} and by {other.Host}: {firstByHost[0]} / {other}");
        }

        var byCompletion = answered.OrderBy(o => o.CompletedMs).ToList();
        var completed = 0;
        HistoryOp? newest = null;
        foreach (var op in answered.OrderBy(o => o.InvokedMs))
        {
            for (; completed < byCompletion.Count && byCompletion[completed].CompletedMs < op.InvokedMs; completed++)
                if (newest is null || byCompletion[completed].Epoch > newest.Epoch) newest = byCompletion[completed];
            if (newest is not null && newest.Epoch > op.Epoch)
                Report(op, $"epoch {op.Epoch} on {op.Host} answered after epoch {newest.Epoch} on {newest.Host} had: {newest} / then {op}");
        }
        return new SplitBrainReport(events.Count, examples);
    }
}
