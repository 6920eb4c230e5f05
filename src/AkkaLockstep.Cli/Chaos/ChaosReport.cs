namespace AkkaLockstep.Cli.Chaos;

/// <summary>One fault cycle: what was done to whom, and the longest any client waited meanwhile.</summary>
public sealed record ChaosCycle(int Cycle, string Scenario, string Target, string PrimaryBefore, string? PrimaryAfter,
    double MaxStallMs, double RecoveredAfterS);

/// <summary>What `lockstep chaos --json` prints.</summary>
public sealed record ChaosReport(string Scenario, int Cycles, string FaultMode, long Sent, long Acked, long Unknown, long Lost,
    long Duplicated, int SplitBrainEvents, bool? Linearizable, bool ReplicasIdentical, double MaxStallMs, double P99StallMs,
    int LinearizabilityKeys, IReadOnlyList<ChaosCycle> CycleReports, IReadOnlyList<string> Problems)
{
    /// <summary>Nothing lost or doubled, no split brain, linearizable, identical replicas, and every cycle recovered.</summary>
    public bool Clean => Lost == 0 && Duplicated == 0 && SplitBrainEvents == 0 && Linearizable == true && ReplicasIdentical && Problems.Count == 0;
}
