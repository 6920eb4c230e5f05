namespace AkkaLockstep.Chaos;

/// <summary>
/// Linearizable is null when the time budget ran out before every key had an answer. Counterexample describes
/// the failing key found first (keys are checked smallest first).
/// </summary>
public sealed record LinearizabilityResult(bool? Linearizable, int Keys, int Operations, string? Counterexample);
