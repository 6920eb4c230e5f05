namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>Fault probabilities and sizes for one simulated scenario.</summary>
public sealed record SimOptions
{
    public int Clients { get; init; } = 3;
    public int RequestsPerClient { get; init; } = 15;
    public double LossRate { get; init; } = 0.05;
    public double DuplicateRate { get; init; } = 0.03;
    public int MaxDelayMs { get; init; } = 8;
    /// <summary>Chance per 10 ms step that a running replica crashes (losing unfinished journal writes).</summary>
    public double CrashRate { get; init; } = 0.004;
    /// <summary>Chance per 10 ms step that the link between the replicas is cut (or healed).</summary>
    public double PartitionToggleRate { get; init; } = 0.004;
    public double WitnessDownToggleRate { get; init; } = 0.002;
    /// <summary>
    /// Chance per 10 ms step that a running replica snapshots itself and compacts its log to a few entries, so a
    /// returning peer often needs a full copy.
    /// </summary>
    public double CompactRate { get; init; } = 0.01;
    /// <summary>Faults stop after this much simulated time; then the system must converge.</summary>
    public long FaultWindowMs { get; init; } = 3_000;
    public long GiveUpAtMs { get; init; } = 60_000;

    /// <summary>Fault intensities drawn from the seed, from gentle to brutal, so the seed range covers both.</summary>
    public static SimOptions ForSeed(int seed)
    {
        var random = new Random(seed ^ 0x5eed);
        return new SimOptions
        {
            Clients = 1 + random.Next(5),
            RequestsPerClient = 5 + random.Next(20),
            LossRate = random.NextDouble() * 0.2,
            DuplicateRate = random.NextDouble() * 0.1,
            MaxDelayMs = 1 + random.Next(30),
            CrashRate = random.NextDouble() * 0.02,
            PartitionToggleRate = random.NextDouble() * 0.02,
            WitnessDownToggleRate = random.NextDouble() * 0.01,
            FaultWindowMs = 1_000 + random.Next(4_000),
            CompactRate = random.NextDouble() * 0.05,
        };
    }
}
