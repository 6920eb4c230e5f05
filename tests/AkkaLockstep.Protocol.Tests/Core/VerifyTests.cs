using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>`vm verify`: a verify input makes both replicas take the guest's digest at the same index.</summary>
public sealed class VerifyTests
{
    private static readonly Guid Session = Guid.Parse("77777777-2222-3333-4444-555555555555");

    private static Reply Verify(PairHarness pair, long requestNo) =>
        pair.Request("a", ReplicatedMachine.VerifySessionId, requestNo, KvCommand.Get("unused"), token: $"verify {requestNo}");

    [Fact]
    public void Both_replicas_digest_the_same_index_and_the_secondary_confirms_it_through_its_hash_check()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        var reply = Verify(pair, 1);
        Assert.Equal(ReplyStatus.Ok, reply.Status);
        var (index, digest) = ReplicatedMachine.DecodeVerification(reply.Output);
        Assert.Equal(pair.Cores["a"].AppliedIndex, index);
        Assert.Equal(pair.Cores["a"].Guest.Digest(), digest);

        pair.Request("a", Session, 2, KvCommand.Put("k", [2]));
        pair.Advance(300);
        Assert.True(pair.Cores["b"].VerifiedIndex >= index, $"secondary verified only up to {pair.Cores["b"].VerifiedIndex}");
        Assert.False(pair.Cores["b"].Diverged);
        Assert.Empty(pair.Alarms);
        // A verify input changes no guest state and opens no client session.
        Assert.False(pair.Cores["a"].Machine.Sessions.TryGet(ReplicatedMachine.VerifySessionId, out _));
    }

    [Fact]
    public void A_secondary_whose_state_went_wrong_is_found_by_verify_and_repaired_by_a_full_copy()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        pair.Advance(200);
        // Corrupt the secondary's guest behind the protocol's back (a bad disk, a bug).
        ((KvGuest)pair.Cores["b"].Guest).Apply(KvCommand.Put("rogue", [6]).Encode(), default);
        Verify(pair, 1);
        pair.Advance(1000);

        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.Contains(pair.Alarms, m => m.Contains("divergence at index", StringComparison.Ordinal));
        Assert.Contains(pair.Alarms, m => m.Contains("repairing it with a full copy", StringComparison.Ordinal));
        Assert.False(b.Diverged, "the copy did not clear the divergence");
        Assert.Equal(a.Guest.Digest(), b.Guest.Digest());
        Assert.False(((KvGuest)b.Guest).Entries.ContainsKey("rogue"));
        Assert.True(a.Duplex);

        pair.Request("a", Session, 2, KvCommand.Put("after", [2]));
        pair.Advance(300);
        Assert.Equal(a.HashHex, b.HashHex);
        Assert.False(b.Diverged);
    }
}
