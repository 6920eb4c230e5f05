namespace AkkaLockstep.Protocol;

/// <summary>
/// One ordered input of a VM. Everything nondeterministic (index, timestamp, seed) was decided once by the
/// primary that sequenced it and travels with it.
/// </summary>
public sealed record Input(long Index, long Epoch, long TimestampMs, ulong Seed, Guid SessionId, long RequestNo, byte[] Command)
{
    public InputContext Context => new(Index, TimestampMs, Seed, SessionId);
}
