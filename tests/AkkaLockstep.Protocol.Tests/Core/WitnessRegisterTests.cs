using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class WitnessRegisterTests
{
    [Fact]
    public void Grants_an_epoch_to_the_first_claimant_only()
    {
        var (first, register) = WitnessRegister.Empty.Claim(1, "a#1", false, 0, 0);
        var (second, after) = register.Claim(1, "b#1", false, 0, 0);
        Assert.True(first);
        Assert.False(second);
        Assert.Equal("a#1", after.Holder);
    }

    [Fact]
    public void A_repeated_claim_by_the_same_incarnation_is_granted_again_but_not_by_a_restarted_one()
    {
        var (_, register) = WitnessRegister.Empty.Claim(3, "a#1", false, 0, 0);
        Assert.True(register.Claim(3, "a#1", false, 0, 0).Granted);
        Assert.False(register.Claim(3, "a#2", false, 0, 0).Granted);
        Assert.False(register.Claim(2, "b#1", false, 0, 0).Granted);
        Assert.True(register.Claim(4, "b#1", false, 0, 0).Granted);
    }

    [Fact]
    public void A_live_simplex_lease_blocks_every_other_claimant_until_it_expires_or_is_released()
    {
        var (_, leased) = WitnessRegister.Empty.Claim(5, "a#1", simplex: true, nowMs: 1_000, leaseMs: 2_000);
        Assert.False(leased.Claim(6, "b#1", false, 2_999, 0).Granted);
        Assert.True(leased.Claim(6, "a#1", true, 2_999, 2_000).Granted);
        var (renewed, longer) = leased.Renew(5, "a#1", 2_500, 2_000);
        Assert.True(renewed);
        Assert.False(longer.Claim(6, "b#1", false, 4_000, 0).Granted);
        Assert.True(longer.Claim(6, "b#1", false, 4_500, 0).Granted);
        var (_, released) = leased.Renew(5, "a#1", 1_500, 0);
        Assert.True(released.Claim(6, "b#1", false, 1_501, 0).Granted);
        Assert.False(leased.Renew(5, "b#1", 1_500, 2_000).Renewed);
    }

    [Fact]
    public void A_restarted_witness_honours_a_lease_that_was_not_released_for_a_full_term()
    {
        var (_, register) = WitnessRegister.Empty.Claim(2, "a#1", true, 0, 2_000);
        // What the journal keeps: epoch, holder and whether a lease may be live.
        var recovered = new WitnessRegister(register.GrantedEpoch, register.Holder, Leased: register.Leased).AfterRestart(10_000, 2_000);
        Assert.False(recovered.Claim(3, "b#1", false, 11_000, 0).Granted);
        Assert.True(recovered.Claim(3, "b#1", false, 12_001, 0).Granted);
    }

    [Fact]
    public void A_restarted_witness_grants_at_once_over_a_register_without_a_live_lease()
    {
        var (_, duplex) = WitnessRegister.Empty.Claim(2, "a#1", false, 0, 0);
        Assert.False(duplex.Leased);
        Assert.True(duplex.AfterRestart(10_000, 2_000).Claim(3, "b#1", true, 10_001, 2_000).Granted);

        var (_, leased) = WitnessRegister.Empty.Claim(2, "a#1", true, 0, 2_000);
        var (_, released) = leased.Renew(2, "a#1", 500, 0);
        Assert.False(released.Leased);
        Assert.True(released.AfterRestart(10_000, 2_000).Claim(3, "b#1", true, 10_001, 2_000).Granted);
    }

    [Fact]
    public void A_lease_taken_later_in_the_same_epoch_is_remembered()
    {
        var (_, duplex) = WitnessRegister.Empty.Claim(2, "a#1", false, 0, 0);
        var (renewed, leased) = duplex.Renew(2, "a#1", 100, 2_000);
        Assert.True(renewed && leased.Leased);
        var (again, reclaimed) = duplex.Claim(2, "a#1", true, 100, 2_000);
        Assert.True(again && reclaimed.Leased);
    }
}

public sealed class SoloReplicaTests
{
    [Fact]
    public void An_unprotected_replica_claims_an_epoch_and_commits_what_its_own_journal_holds()
    {
        var core = new ReplicaCore("h1", null, true, "h1#1", new AkkaLockstep.Guests.Kv.KvGuest(), 1);
        var claim = Assert.Single(core.Start(0).OfType<ClaimEpoch>());
        Assert.False(claim.Simplex);
        var epochOp = core.Handle(new EpochGranted(claim.Epoch), 1).OfType<PersistEpoch>().Single().OpId;
        core.Handle(new LocalPersisted(epochOp), 2);
        Assert.Equal(ReplicaRole.Primary, core.Role);
        var effects = core.Handle(new ClientRequest("t", Guid.NewGuid(), 1, AkkaLockstep.Guests.Kv.KvCommand.Put("k", [1]).Encode()), 3);
        Assert.DoesNotContain(effects, e => e is SendToPeer);
        var op = effects.OfType<PersistEntries>().Single().OpId;
        Assert.Contains(core.Handle(new LocalPersisted(op), 4), e => e is Reply { Status: ReplyStatus.Ok });
    }
}
