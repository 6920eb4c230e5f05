namespace AkkaLockstep.Protocol;

/// <summary>
/// A point-in-time copy of a replica: the promised epoch, the machine state at AppliedIndex (whose entry had
/// epoch AppliedEpoch), and the log tail after it. The tail is included because it may hold entries whose
/// journal events precede the snapshot's sequence number and would otherwise not be replayed.
/// </summary>
public sealed record ReplicaSnapshot(long Epoch, long AppliedIndex, long AppliedEpoch, byte[] Machine, IReadOnlyList<Input> Tail);
