namespace AkkaLockstep.Chaos;

/// <summary>
/// Linearizable is null when the time budget ran out before every key had an answer. Counterexample describes
/// the first failing key.
/// </summary>
public sealed record LinearizabilityResult(bool? Linearizable, int Keys, int Operations, string? Counterexample);
