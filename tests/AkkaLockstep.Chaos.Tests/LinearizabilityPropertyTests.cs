namespace AkkaLockstep.Chaos.Tests;

public sealed class LinearizabilityPropertyTests
{
    private const int SeedsForAgreement = 3_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(null)]
    [InlineData(int.MaxValue)]
    [InlineData(0)]
    public void Histories_of_a_real_execution_are_linearizable_until_a_read_is_forged(int? depthFirstVisits)
    {
        var forged = 0;
        for (var seed = 1; seed <= 300; seed++)
        {
            var random = new Random(seed);
            var history = GeneratedHistory.Generate(random, count: random.Next(5, 60), keys: random.Next(1, 4),
                clients: random.Next(1, 6), unknownRate: 0.2, uniqueValues: seed % 3 == 0);
            var result = LinearizabilityChecker.Check(history, Budget, depthFirstVisits);
            Assert.True(result.Linearizable, $"seed {seed}: {result.Counterexample}");

            var reads = Enumerable.Range(0, history.Count)
                .Where(i => history[i] is { Kind: KvOpKind.Get, Answered: true })
                .ToList();
            if (reads.Count == 0) continue;
            var read = reads[random.Next(reads.Count)];
            history[read] = history[read] with { Outcome = OpOutcome.Ok, Output = HistoryBuilder.V("never written") };
            var broken = LinearizabilityChecker.Check(history, Budget, depthFirstVisits);
            Assert.False(broken.Linearizable, $"seed {seed}: a read of a value never written passed");
            forged++;
        }
        Assert.True(forged >= 250, $"only {forged} histories had a read to forge");
    }

    [Fact]
    public void Both_searches_agree_on_small_histories_full_of_unknown_ops_and_doctored_reads()
    {
        var verdicts = new int[2];
        for (var seed = 1; seed <= SeedsForAgreement; seed++)
        {
            var random = new Random(seed);
            var history = GeneratedHistory.Generate(random, random.Next(4, 14), keys: 1, clients: random.Next(2, 5), unknownRate: 0.4);
            // Half the histories get one read changed to a random value, which may or may not still fit.
            var reads = Enumerable.Range(0, history.Count).Where(i => history[i] is { Kind: KvOpKind.Get, Answered: true }).ToList();
            if (random.Next(2) == 0 && reads.Count > 0)
            {
                var read = reads[random.Next(reads.Count)];
                history[read] = history[read] with { Outcome = OpOutcome.Ok, Output = [(byte)('a' + random.Next(4))] };
            }
            var depthFirst = LinearizabilityChecker.Check(history, Budget, depthFirstVisits: int.MaxValue).Linearizable;
            var layered = LinearizabilityChecker.Check(history, Budget, depthFirstVisits: 0).Linearizable;
            Assert.True(depthFirst == layered, $"seed {seed}: depth-first {depthFirst}, layered {layered}\n{string.Join('\n', history)}");
            verdicts[depthFirst == true ? 1 : 0]++;
        }
        // Both verdicts must be common, or the agreement says little.
        Assert.All(verdicts, count => Assert.True(count > SeedsForAgreement / 10, $"verdicts (not, linearizable): {string.Join(", ", verdicts)}"));
    }
}
