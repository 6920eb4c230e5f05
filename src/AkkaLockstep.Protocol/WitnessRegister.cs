namespace AkkaLockstep.Protocol;

/// <summary>
/// The witness's register for one VM: a test-and-set over epochs plus a lease for a primary running alone.
/// Epoch e is granted to the first claimant of an epoch higher than every granted one; a repeated claim by
/// the same claimant is granted again (idempotent retries). Claimants name their incarnation, so a restarted
/// replica is a new claimant. A simplex claim also takes a lease: while it is live, no other claimant gets a
/// higher epoch, so a primary committing alone can never overlap with a newer primary. The holder renews it
/// and stops committing alone before it runs out (it measures from when it asked, which is never later than
/// when the witness answered).
/// </summary>
public sealed record WitnessRegister(long GrantedEpoch, string? Holder, long LeaseUntilMs = 0)
{
    public static readonly WitnessRegister Empty = new(0, null);

    public (bool Granted, WitnessRegister Next) Claim(long epoch, string claimant, bool simplex, long nowMs, long leaseMs)
    {
        var lease = simplex ? nowMs + leaseMs : 0;
        if (epoch == GrantedEpoch && claimant == Holder) return (true, this with { LeaseUntilMs = Math.Max(LeaseUntilMs, lease) });
        if (epoch <= GrantedEpoch) return (false, this);
        if (LeaseUntilMs > nowMs && claimant != Holder) return (false, this);
        return (true, new WitnessRegister(epoch, claimant, lease));
    }

    /// <summary>Extends the holder's lease; a lease of 0 releases it (the holder has its peer back).</summary>
    public (bool Renewed, WitnessRegister Next) Renew(long epoch, string claimant, long nowMs, long leaseMs)
    {
        if (epoch != GrantedEpoch || claimant != Holder) return (false, this);
        return (true, this with { LeaseUntilMs = leaseMs == 0 ? 0 : nowMs + leaseMs });
    }

    /// <summary>The host part of a claimant ("host/incarnation").</summary>
    public static string HostOf(string claimant) => claimant.Split('/', 2)[0];

    /// <summary>After the witness restarts it does not know which leases were live: it honours any for one full term.</summary>
    public WitnessRegister AfterRestart(long nowMs, long leaseMs) => Holder is null ? this : this with { LeaseUntilMs = nowMs + leaseMs };
}
