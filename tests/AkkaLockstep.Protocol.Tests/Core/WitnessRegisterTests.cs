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
