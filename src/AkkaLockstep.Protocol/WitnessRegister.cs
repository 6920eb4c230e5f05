namespace AkkaLockstep.Protocol;

/// <summary>
/// The witness's test-and-set register for one VM: epoch e is granted to the first claimant of an epoch
/// higher than every granted one, and refused to everyone else. A repeated claim by the same claimant is
/// granted again (idempotent retries); claimants name their incarnation, so a restarted replica is a new one.
/// </summary>
public sealed record WitnessRegister(long GrantedEpoch, string? Holder)
{
    public static readonly WitnessRegister Empty = new(0, null);

    public (bool Granted, WitnessRegister Next) Claim(long epoch, string claimant)
    {
        if (epoch > GrantedEpoch) return (true, new WitnessRegister(epoch, claimant));
        if (epoch == GrantedEpoch && claimant == Holder) return (true, this);
        return (false, this);
    }
}
