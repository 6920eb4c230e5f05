namespace AkkaLockstep.Protocol;

/// <summary>
/// The witness's register for one VM: a test-and-set over epochs plus a lease for a primary running alone.
/// Epoch e is granted to the first claimant of an epoch higher than every granted one; a repeated claim by
/// the same claimant is granted again (idempotent retries). Claimants name their incarnation, so a restarted
/// replica is a new claimant. A simplex claim also takes a lease: while it is live, no other claimant gets a
/// higher epoch, so a primary committing alone can never overlap with a newer primary. The holder renews it
/// and stops committing alone before it runs out (it measures from when it asked, which is never later than
/// when the witness answered). <paramref name="Leased"/> says whether a lease was taken in this epoch and not
/// released; it is persisted with the grant, so a restarted witness holds back only registers that may have one.
/// </summary>
public sealed record WitnessRegister(long GrantedEpoch, string? Holder, long LeaseUntilMs = 0, bool Leased = false)
{
    public static readonly WitnessRegister Empty = new(0, null);

    public (bool Granted, WitnessRegister Next) Claim(long epoch, string claimant, bool simplex, long nowMs, long leaseMs)
    {
        var lease = simplex ? nowMs + leaseMs : 0;
        if (epoch == GrantedEpoch && claimant == Holder)
            return (true, this with { LeaseUntilMs = Math.Max(LeaseUntilMs, lease), Leased = Leased || simplex });
        if (epoch <= GrantedEpoch) return (false, this);
        if (LeaseUntilMs > nowMs && claimant != Holder) return (false, this);
        return (true, new WitnessRegister(epoch, claimant, lease, simplex));
    }

    /// <summary>Extends the holder's lease; a lease of 0 releases it (the holder has its peer back).</summary>
    public (bool Renewed, WitnessRegister Next) Renew(long epoch, string claimant, long nowMs, long leaseMs)
    {
        if (epoch != GrantedEpoch || claimant != Holder) return (false, this);
        return (true, this with { LeaseUntilMs = leaseMs == 0 ? 0 : nowMs + leaseMs, Leased = leaseMs != 0 });
    }

    /// <summary>The host part of a claimant ("host/incarnation").</summary>
    public static string HostOf(string claimant) => claimant.Split('/', 2)[0];

    /// <summary>
    /// After the witness restarts it does not know whether a lease taken before is still live: it honours any that
    /// was not released for one full term. A register granted without a lease, or whose lease was released, needs no wait.
    /// </summary>
    public WitnessRegister AfterRestart(long nowMs, long leaseMs) => Holder is null || !Leased ? this : this with { LeaseUntilMs = nowMs + leaseMs };
}
