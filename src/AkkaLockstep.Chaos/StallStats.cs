namespace AkkaLockstep.Chaos;

/// <summary>Latency of answered ops, in milliseconds.</summary>
public sealed record StallStats(double MaxMs, double P99Ms, double P50Ms);
