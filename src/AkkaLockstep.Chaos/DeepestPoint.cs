namespace AkkaLockstep.Chaos;

/// <summary>
/// Where a failed search got furthest: how many answered ops it linearized, which ones, the register state there
/// and the last few ops (answered or Unknown) it linearized on the way, oldest first.
/// </summary>
internal sealed record DeepestPoint(int Answered, int State, int[] Recent, IReadOnlySet<int> Linearized);
