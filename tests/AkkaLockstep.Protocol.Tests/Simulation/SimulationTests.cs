using Xunit.Abstractions;

namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>
/// Thousands of seeded fault scenarios per run. A failing seed is printed; replay it alone with
/// LOCKSTEP_SIM_SEED=N dotnet test --filter SimulationTests.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private static int SeedCount => int.TryParse(Environment.GetEnvironmentVariable("LOCKSTEP_SIM_SEEDS"), out var n) ? n : 2000;

    [Fact]
    public void Invariants_hold_under_loss_duplication_reordering_partitions_and_crashes()
    {
        var seeds = Environment.GetEnvironmentVariable("LOCKSTEP_SIM_SEED") is { } one && int.TryParse(one, out var only)
            ? [only]
            : Enumerable.Range(1, SeedCount);
        var failures = new List<string>();
        long crashes = 0, maxEpoch = 0, fullCopies = 0, resumed = 0, frozen = 0;
        foreach (var seed in seeds)
        {
            var simulation = new LockstepSimulation(seed, SimOptions.ForSeed(seed))
            {
                Trace = Environment.GetEnvironmentVariable("LOCKSTEP_SIM_TRACE") is not null ? output.WriteLine : null,
            };
            if (!simulation.Run()) failures.Add(string.Join("\n", simulation.Violations.Take(3)));
            crashes += simulation.Crashes;
            fullCopies += simulation.FullCopies;
            resumed += simulation.ResumedCopies;
            frozen += simulation.FrozenCopies;
            maxEpoch = Math.Max(maxEpoch, simulation.MaxEpoch);
            if (failures.Count >= 5) break;
        }
        output.WriteLine($"seeds run, {crashes} crashes injected, {fullCopies} full copies installed ({resumed} taken up after a " +
                         $"crash; {frozen} copies sent from a frozen state), highest epoch {maxEpoch}");
        Assert.True(failures.Count == 0,
            $"{failures.Count} failing seed(s); replay with LOCKSTEP_SIM_SEED=<seed>:\n{string.Join("\n---\n", failures)}");
        Assert.True(crashes > 0, "the scenarios injected no crash: the fault model is not exercised");
        if (seeds.Count() > 100) Assert.True(fullCopies > 0, "no scenario needed a full copy: compaction is not exercised");
        if (seeds.Count() > 100) Assert.True(resumed > 0, "no restarted replica took up a partial copy: resumption is not exercised");
        if (seeds.Count() > 100) Assert.True(frozen > 0, "no copy was sent from a frozen state: that source is not exercised");
    }

    /// <summary>
    /// Seeds beyond the default count that once failed. 15098: a secondary whose partial copy a crash had damaged took
    /// the copy again, an acknowledgement was lost, and the primary (not simplex: both had restarted) left it behind as
    /// stalled while the copy waited on its resend (the unit tests in FullCopyTests pin the causes down).
    /// </summary>
    [Theory]
    [InlineData(15098)]
    public void Seeds_that_once_failed_pass(int seed)
    {
        var simulation = new LockstepSimulation(seed, SimOptions.ForSeed(seed));
        Assert.True(simulation.Run(), string.Join("\n", simulation.Violations.Take(3)));
    }

    [Fact]
    public void A_seed_replays_exactly()
    {
        var first = new LockstepSimulation(42, SimOptions.ForSeed(42));
        var second = new LockstepSimulation(42, SimOptions.ForSeed(42));
        first.Run();
        second.Run();
        Assert.Equal(first.EndTimeMs, second.EndTimeMs);
        Assert.Equal(first.Crashes, second.Crashes);
        Assert.Equal(first.Violations, second.Violations);
    }
}
