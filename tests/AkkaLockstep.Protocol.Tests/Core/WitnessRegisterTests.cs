using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class WitnessRegisterTests
{
    [Fact]
    public void Grants_an_epoch_to_the_first_claimant_only()
    {
        var (first, register) = WitnessRegister.Empty.Claim(1, "a#1");
        var (second, after) = register.Claim(1, "b#1");
        Assert.True(first);
        Assert.False(second);
        Assert.Equal("a#1", after.Holder);
    }

    [Fact]
    public void A_repeated_claim_by_the_same_incarnation_is_granted_again_but_not_by_a_restarted_one()
    {
        var (_, register) = WitnessRegister.Empty.Claim(3, "a#1");
        Assert.True(register.Claim(3, "a#1").Granted);
        Assert.False(register.Claim(3, "a#2").Granted);
        Assert.False(register.Claim(2, "b#1").Granted);
        Assert.True(register.Claim(4, "b#1").Granted);
    }
}

public sealed class SoloReplicaTests
{
    [Fact]
    public void An_unprotected_replica_claims_an_epoch_and_commits_what_its_own_journal_holds()
    {
        var core = new ReplicaCore("h1", null, true, "h1#1", new AkkaLockstep.Guests.Kv.KvGuest(), 1);
        var claim = Assert.Single(core.Start(0).OfType<ClaimEpoch>());
        var epochOp = core.Handle(new EpochGranted(claim.Epoch), 1).OfType<PersistEpoch>().Single().OpId;
        core.Handle(new LocalPersisted(epochOp), 2);
        Assert.Equal(ReplicaRole.Primary, core.Role);
        var effects = core.Handle(new ClientRequest("t", Guid.NewGuid(), 1, AkkaLockstep.Guests.Kv.KvCommand.Put("k", [1]).Encode()), 3);
        Assert.DoesNotContain(effects, e => e is SendToPeer);
        var op = effects.OfType<PersistEntries>().Single().OpId;
        Assert.Contains(core.Handle(new LocalPersisted(op), 4), e => e is Reply { Status: ReplyStatus.Ok });
    }
}
