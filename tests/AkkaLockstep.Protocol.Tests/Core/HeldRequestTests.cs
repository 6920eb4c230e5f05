using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class HeldRequestTests
{
    private static readonly Guid Session = Guid.Parse("00000000-0000-0000-0000-0000000000c1");

    [Fact]
    public void A_secondary_whose_primary_went_quiet_holds_a_request_and_serves_it_once_it_takes_over()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("before", [1])).Status);
        pair.Down.Add("a");
        pair.Advance(300);
        Assert.True(pair.Cores["b"].TakingOver);
        Assert.Equal("b", pair.Cores["b"].ClientHint);

        var before = pair.Replies.Count;
        pair.Feed("b", new ClientRequest("held", Session, 2, KvCommand.Put("after", [2]).Encode()));
        Assert.Equal(before, pair.Replies.Count);
        Assert.Equal(1, pair.Cores["b"].HeldRequests);

        pair.Advance(600);
        Assert.True(pair.Cores["b"].Simplex);
        var reply = Assert.Single(pair.Replies.Skip(before));
        Assert.Equal(("held", ReplyStatus.Ok), (reply.Token, reply.Status));
        Assert.Equal(0, pair.Cores["b"].HeldRequests);
    }

    [Fact]
    public void A_held_request_that_the_old_primary_already_applied_is_answered_from_the_session_table_not_run_again()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k", [1])).Status);
        var lastBefore = pair.Cores["b"].LastIndex;
        pair.Down.Add("a");
        pair.Advance(300);
        pair.Feed("b", new ClientRequest("retry", Session, 1, KvCommand.Put("k", [1]).Encode()));
        pair.Advance(600);
        var reply = pair.Replies.Single(r => Equals(r.Token, "retry"));
        Assert.Equal(ReplyStatus.Ok, reply.Status);
        // Only the new epoch's opening no-op was sequenced: the retry did not become a second input.
        Assert.Equal(lastBefore + 1, pair.Cores["b"].LastIndex);
    }

    [Fact]
    public void A_secondary_whose_primary_speaks_again_redirects_what_it_held()
    {
        var pair = new PairHarness(new ReplicaOptions { PeerTimeoutMs = 10_000 });
        pair.Down.Add("a");
        pair.Advance(300);
        pair.Feed("b", new ClientRequest("held", Session, 1, KvCommand.Put("k", [1]).Encode()));
        Assert.Equal(1, pair.Cores["b"].HeldRequests);

        pair.Down.Remove("a");
        pair.Advance(200);
        var reply = pair.Replies.Single(r => Equals(r.Token, "held"));
        Assert.Equal((ReplyStatus.NotPrimary, "a"), (reply.Status, reply.LeaderHint));
        Assert.False(pair.Cores["b"].TakingOver);
        Assert.Equal("a", pair.Cores["b"].ClientHint);
    }

    [Fact]
    public void A_request_held_longer_than_the_hold_time_gets_the_answer_it_would_have_had()
    {
        var pair = new PairHarness(new ReplicaOptions { PeerTimeoutMs = 10_000, ClientHoldMs = 1000 });
        pair.Down.Add("a");
        pair.Advance(300);
        pair.Feed("b", new ClientRequest("held", Session, 1, KvCommand.Put("k", [1]).Encode()));
        pair.Advance(900);
        Assert.DoesNotContain(pair.Replies, r => Equals(r.Token, "held"));
        pair.Advance(200);
        var reply = pair.Replies.Single(r => Equals(r.Token, "held"));
        Assert.Equal(ReplyStatus.NotPrimary, reply.Status);
    }

    [Fact]
    public void A_claimant_refused_by_the_witness_releases_what_it_held_as_unavailable()
    {
        var pair = new PairHarness();
        pair.Partitioned = true;
        pair.Advance(300);
        pair.Feed("b", new ClientRequest("held", Session, 1, KvCommand.Put("k", [1]).Encode()));
        pair.Advance(600);
        Assert.True(pair.Cores["b"].Fenced);
        var reply = pair.Replies.Single(r => Equals(r.Token, "held"));
        Assert.Equal(ReplyStatus.Unavailable, reply.Status);
    }
}
