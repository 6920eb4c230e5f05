namespace AkkaLockstep.Chaos.Tests;

public sealed class LinearizabilityCheckerTests
{
    // Generous: these histories take milliseconds; the budget only keeps a broken search from hanging the run.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    /// <summary>Checks with the default strategy, after checking that both searches alone agree with it.</summary>
    private static LinearizabilityResult Check(HistoryBuilder history)
    {
        var result = LinearizabilityChecker.Check(history.Ops, Budget);
        Assert.Equal(result.Linearizable, LinearizabilityChecker.Check(history.Ops, Budget, depthFirstVisits: int.MaxValue).Linearizable);
        Assert.Equal(result.Linearizable, LinearizabilityChecker.Check(history.Ops, Budget, depthFirstVisits: 0).Linearizable);
        return result;
    }

    [Fact]
    public void Sequential_puts_and_gets_are_linearizable()
    {
        var history = new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Get(2, "k", "a", 20, 30)
            .Get(1, "other", null, 0, 5)
            .Delete(2, "k", found: true, 40, 50)
            .Get(1, "k", null, 60, 70);
        var result = Check(history);
        Assert.True(result.Linearizable, result.Counterexample);
        Assert.Equal(2, result.Keys);
        Assert.Equal(5, result.Operations);
        Assert.Null(result.Counterexample);
    }

    [Fact]
    public void A_stale_read_after_a_completed_put_is_not_linearizable()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Put(1, "k", "b", 20, 30)
            .Get(2, "k", "a", 40, 50));
        Assert.False(result.Linearizable);
        Assert.StartsWith("key \"k\"", result.Counterexample);
        Assert.Contains("c2#2 get(\"k\") [40, 50] -> Ok \"a\"", result.Counterexample);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    public void A_get_concurrent_with_a_put_may_see_either_value(string seen)
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Put(1, "k", "b", 20, 40)
            .Get(2, "k", seen, 25, 35));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void A_get_concurrent_with_a_put_cannot_see_a_value_never_written()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Put(1, "k", "b", 20, 40)
            .Get(2, "k", "c", 25, 35));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void Two_cas_from_absent_that_both_succeed_are_a_lost_update()
    {
        var result = Check(new HistoryBuilder()
            .Cas(1, "k", null, "a", set: true, 0, 10)
            .Cas(2, "k", null, "b", set: true, 5, 15));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void Two_cas_from_absent_of_which_one_fails_are_linearizable()
    {
        var result = Check(new HistoryBuilder()
            .Cas(1, "k", null, "a", set: true, 0, 10)
            .Cas(2, "k", null, "b", set: false, 5, 15)
            .Get(2, "k", "a", 20, 30));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void An_unknown_put_whose_value_is_read_later_took_effect()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, null)
            .Get(2, "k", "a", 100, 110));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void An_unknown_put_never_read_may_not_have_taken_effect()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, null)
            .Get(2, "k", null, 100, 110)
            .Put(2, "k", "b", 120, 130)
            .Get(2, "k", "b", 140, 150));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void An_unknown_put_takes_effect_at_most_once()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, null)
            .Get(2, "k", "a", 10, 20)
            .Get(2, "k", null, 30, 40));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void An_unknown_put_cannot_take_effect_before_it_was_invoked()
    {
        var result = Check(new HistoryBuilder()
            .Get(2, "k", "a", 0, 10)
            .Put(1, "k", "a", 20, null));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void An_unknown_cas_only_takes_effect_if_it_matched()
    {
        var matching = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Cas(1, "k", "a", "b", set: false, 20, null)
            .Get(2, "k", "b", 100, 110));
        var mismatching = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Cas(1, "k", "x", "b", set: false, 20, null)
            .Get(2, "k", "b", 100, 110));
        Assert.True(matching.Linearizable, matching.Counterexample);
        Assert.False(mismatching.Linearizable);
    }

    [Fact]
    public void An_unknown_put_spent_on_one_path_is_still_available_on_another()
    {
        // Putting x1 first, the read of "a" after "b" needs the Unknown put; putting x2 first, it does not, and
        // the Unknown put is then free for the last read. Both paths reach the same ops and state, so a memo
        // that ignored which Unknown ops were spent would prune the good one.
        var result = Check(new HistoryBuilder()
            .Put(5, "k", "a", 0, null)
            .Put(1, "k", "a", 0, 30)
            .Put(2, "k", "b", 1, 30)
            .Get(3, "k", "b", 2, 10)
            .Get(3, "k", "a", 11, 30)
            .Delete(1, "k", found: true, 40, 50)
            .Get(2, "k", "a", 60, 70));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void Which_unknown_put_explains_a_delete_matters_later()
    {
        // Either Unknown put makes the delete find a key, but only "c" may be spent there: "a" is read at the end.
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, null)
            .Put(2, "k", "c", 1, null)
            .Delete(3, "k", found: true, 10, 20)
            .Get(3, "k", null, 30, 40)
            .Get(3, "k", "a", 50, 60));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void A_delete_that_finds_nothing_after_an_acknowledged_put_is_not_linearizable()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Delete(2, "k", found: false, 20, 30));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void Ops_that_touch_at_the_same_millisecond_count_as_concurrent()
    {
        var result = Check(new HistoryBuilder()
            .Put(1, "k", "a", 0, 10)
            .Get(2, "k", null, 10, 20));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void An_outcome_the_op_cannot_have_is_not_linearizable()
    {
        var result = Check(new HistoryBuilder()
            .Add(new HistoryOp(1, 1, KvOpKind.Put, "k", HistoryBuilder.V("a"), null, 0, 10, OpOutcome.NotFound, null, 1, "h1")));
        Assert.False(result.Linearizable);
    }

    [Fact]
    public void A_get_that_read_an_empty_value_may_have_a_null_output()
    {
        var result = Check(new HistoryBuilder()
            .Add(new HistoryOp(1, 1, KvOpKind.Put, "k", [], null, 0, 10, OpOutcome.Ok, null, 1, "h1"))
            .Add(new HistoryOp(1, 2, KvOpKind.Get, "k", null, null, 20, 30, OpOutcome.Ok, null, 1, "h1")));
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void The_failing_key_is_found_among_many_good_ones()
    {
        var history = new HistoryBuilder();
        for (var key = 0; key < 200; key++)
            history.Put(key % 8, $"k{key}", "a", key, key + 10).Get((key + 1) % 8, $"k{key}", "a", key + 5, key + 20);
        history.Put(1, "bad", "a", 0, 10).Put(1, "bad", "b", 20, 30).Get(2, "bad", "a", 40, 50);
        var result = Check(history);
        Assert.False(result.Linearizable);
        Assert.Equal(201, result.Keys);
        Assert.Equal(403, result.Operations);
        Assert.StartsWith("key \"bad\"", result.Counterexample);
    }

    [Fact]
    public void An_exhausted_budget_gives_no_answer()
    {
        var history = GeneratedHistory.Generate(new Random(1), 200, keys: 3, clients: 4, unknownRate: 0.1);
        var result = LinearizabilityChecker.Check(history, TimeSpan.Zero);
        Assert.Null(result.Linearizable);
        Assert.Equal(3, result.Keys);
        Assert.Equal(200, result.Operations);
    }

    [Fact]
    public void A_hot_key_with_many_thousands_of_ops_is_searched_without_deep_recursion()
    {
        var history = GeneratedHistory.Generate(new Random(2), 20_000, keys: 1, clients: 8, unknownRate: 0.02);
        var result = LinearizabilityChecker.Check(history, Budget);
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void A_hot_key_is_checked_breadth_first_too()
    {
        var history = GeneratedHistory.Generate(new Random(4), 3_000, keys: 1, clients: 8, unknownRate: 0.05, uniqueValues: true);
        var result = LinearizabilityChecker.Check(history, Budget, depthFirstVisits: 0);
        Assert.True(result.Linearizable, result.Counterexample);
    }

    [Fact]
    public void A_stale_read_at_the_end_of_a_hot_key_full_of_unknown_ops_is_found_and_shown_briefly()
    {
        // Refuting means exhausting every configuration up to the bad read. Depth-first, with ~300 Unknown ops,
        // that ran out of a minute; the breadth-first search the checker falls back to keeps only minimal sets of them.
        var history = GeneratedHistory.Generate(new Random(3), 3_000, keys: 1, clients: 8, unknownRate: 0.1, uniqueValues: true);
        var end = history.Max(o => o.CompletedMs ?? o.InvokedMs);
        var firstWrite = history.First(o => o is { Kind: KvOpKind.Put, Answered: true }).Value;
        history.Add(new HistoryOp(9, 99_999, KvOpKind.Get, "k0", null, null, end + 10, end + 20, OpOutcome.Ok, firstWrite, 1, "h1"));
        var result = LinearizabilityChecker.Check(history, Budget);
        Assert.False(result.Linearizable);
        Assert.InRange(result.Counterexample!.Split('\n').Length, 2, 21);
        Assert.Contains("c9#99999 get(\"k0\")", result.Counterexample);
    }

    [Fact]
    public void An_answered_op_without_a_completion_time_is_rejected()
    {
        var op = new HistoryOp(1, 1, KvOpKind.Get, "k", null, null, 0, null, OpOutcome.NotFound, null, 1, "h1");
        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check([op], Budget));
    }
}
