namespace AkkaLockstep.Chaos;

/// <summary>Events counts distinct (epoch, host) pairs that answered when they should not have.</summary>
public sealed record SplitBrainReport(int Events, IReadOnlyList<string> Examples);
