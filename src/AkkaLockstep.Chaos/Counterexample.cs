namespace AkkaLockstep.Chaos;

/// <summary>
/// Describes a failing key around the deepest point the search reached: the last ops it linearized and the ops
/// that could have gone next, none of which fits. On a hot key that says far more than its first few ops.
/// </summary>
internal static class Counterexample
{
    private const int MaxCandidatesShown = 12;

    public static string Describe(RegisterHistory history, DeepestPoint deepest)
    {
        var source = history.Source;
        var lines = new List<string>
        {
            $"key \"{history.Key}\": {history.AnsweredCount} answered and {source.Length - history.AnsweredCount} unknown ops " +
            $"admit no linearization; at best {deepest.Answered} answered ops linearize, leaving the register " +
            history.DescribeState(deepest.State),
        };
        if (deepest.Recent.Length > 0)
        {
            lines.Add("  last linearized:");
            lines.AddRange(deepest.Recent.Select(i => "    " + source[i]));
        }
        var pending = Enumerable.Range(0, source.Length)
            .Where(i => history.Ops[i].Answered && !deepest.Linearized.Contains(i))
            .ToList();
        var firstResponse = pending.Min(i => source[i].CompletedMs!.Value);
        var candidates = pending.Where(i => source[i].InvokedMs <= firstResponse).OrderBy(i => source[i].InvokedMs).ToList();
        lines.Add("  could go next, but none fits:");
        lines.AddRange(candidates.Take(MaxCandidatesShown).Select(i => "    " + source[i]));
        if (candidates.Count > MaxCandidatesShown) lines.Add($"    … and {candidates.Count - MaxCandidatesShown} more");
        return string.Join('\n', lines);
    }
}
