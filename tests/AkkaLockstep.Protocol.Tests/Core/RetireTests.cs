using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>
/// Unprotecting a VM removes both replicas, each when its host learns it: the one removed first says so, and the other
/// takes the silence that follows for what it is, not for a failure to claim an epoch over (which downs a host).
/// </summary>
public sealed class RetireTests
{
    private static readonly Guid Session = Guid.Parse("00000000-0000-0000-0000-0000000000e1");

    private static PairHarness Duplex()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k", [1])).Status);
        pair.Advance(200);
        Assert.True(pair.Cores["a"].Duplex);
        return pair;
    }

    [Theory]
    [InlineData("b", "a")]
    [InlineData("a", "b")]
    public void A_replica_whose_peer_retired_claims_nothing_when_the_peer_falls_silent(string removedFirst, string survivor)
    {
        var pair = Duplex();
        var epoch = pair.Witness.GrantedEpoch;
        pair.Feed(removedFirst, Unprotecting.Instance);
        pair.Pump();
        pair.Down.Add(removedFirst);
        pair.Advance(5000);
        Assert.True(pair.Cores[survivor].PeerRetired);
        Assert.Equal(epoch, pair.Witness.GrantedEpoch);
        Assert.NotEqual(ReplicaRole.Candidate, pair.Cores[survivor].Role);
        Assert.Contains(pair.Notices, n => n.Contains($"{removedFirst} ({removedFirst}#1) is removed because this VM is no longer protected",
            StringComparison.Ordinal));
    }

    [Fact]
    public void A_peer_that_falls_silent_without_retiring_is_failed_over()
    {
        var pair = Duplex();
        var epoch = pair.Witness.GrantedEpoch;
        pair.Down.Add("b");
        pair.Advance(2000);
        Assert.False(pair.Cores["a"].PeerRetired);
        Assert.True(pair.Witness.GrantedEpoch > epoch, "the survivor of a dead peer did not claim the next epoch");
    }
}
