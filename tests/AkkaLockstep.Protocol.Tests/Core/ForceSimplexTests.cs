using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>`vm force-simplex`: an operator makes a replica that lost its peer and the witness run alone.</summary>
public sealed class ForceSimplexTests
{
    private static readonly Guid Session = Guid.Parse("11111111-2222-3333-4444-555555555555");

    /// <summary>A duplex pair with one acknowledged write, then the witness and the primary's host are lost.</summary>
    private static PairHarness StrandedPair()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("before", [1])).Status);
        pair.WitnessDown = true;
        pair.Down.Add("a");
        pair.Advance(600);
        return pair;
    }

    [Fact]
    public void A_duplex_pair_refuses_to_be_forced_and_changes_nothing()
    {
        var pair = new PairHarness();
        var primary = pair.Force("a");
        Assert.False(primary.Accepted);
        Assert.Equal("this replica is duplex primary in epoch 1; nothing to force", primary.Reason);
        var secondary = pair.Force("b");
        Assert.False(secondary.Accepted);
        Assert.StartsWith("its peer a answered 0 ms ago", secondary.Reason);
        Assert.Equal((ReplicaRole.Primary, ReplicaRole.Secondary), (pair.Cores["a"].Role, pair.Cores["b"].Role));
        Assert.Equal(1, pair.Cores["b"].Epoch);
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void A_replica_that_heard_its_peer_recently_is_not_forced()
    {
        var pair = new PairHarness { WitnessDown = true, Partitioned = true };
        pair.Advance(200);
        var answer = pair.Force("b");
        Assert.False(answer.Accepted);
        Assert.Equal("its peer a answered 200 ms ago: the pair can still form or fail over by itself (forcing needs 500 ms of silence)",
            answer.Reason);
        Assert.Equal(ReplicaRole.Secondary, pair.Cores["b"].Role);
        Assert.False(pair.Cores["b"].Forced);
    }

    [Fact]
    public void Without_peer_and_witness_the_survivor_stalls_until_forced_then_commits_alone()
    {
        var pair = StrandedPair();
        var b = pair.Cores["b"];
        Assert.Equal(ReplicaRole.Candidate, b.Role);
        // A claimant holds requests (for a while) instead of bouncing them: this one waits for the force.
        Assert.Null(pair.Request("b", Session, 2, KvCommand.Put("stalled", [2]), "stalled"));

        var answer = pair.Force("b");
        Assert.True(answer.Accepted);
        // Epoch 2 was being claimed (unanswered): the forced epoch is above it.
        Assert.Equal(3, answer.Epoch);
        Assert.Equal(ReplicaRole.Primary, b.Role);
        Assert.True(b.Simplex && b.Forced);
        Assert.Contains(pair.Alarms, m => m.StartsWith("operator forced simplex: b runs alone in epoch 3"));
        // A former secondary applies everything it holds durably, including what only the old primary had applied.
        Assert.True(((KvGuest)b.Guest).Entries.ContainsKey("before"));

        Assert.Equal(ReplyStatus.Ok, pair.Replies.Single(r => Equals(r.Token, "stalled")).Status);
        Assert.True(((KvGuest)b.Guest).Entries.ContainsKey("stalled"));

        var reply = pair.Request("b", Session, 3, KvCommand.Put("after", [3]));
        Assert.Equal(ReplyStatus.Ok, reply.Status);
        Assert.Equal(b.LastIndex, b.AppliedIndex);
        // Commits go on without any lease.
        pair.Advance(5_000);
        Assert.Equal(ReplyStatus.Ok, pair.Request("b", Session, 4, KvCommand.Put("later", [4])).Status);
    }

    [Fact]
    public void A_forced_epoch_waits_until_it_is_durable()
    {
        var pair = StrandedPair();
        pair.AutoPersist = false;
        pair.Feed("b", new ForceSimplex("op"));
        Assert.Empty(pair.ForceAnswers);
        Assert.Equal(ReplicaRole.Candidate, pair.Cores["b"].Role);
        Assert.Null(pair.Request("b", Session, 2, KvCommand.Get("before"), "read"));
        pair.PersistAll("b");
        Assert.True(Assert.Single(pair.ForceAnswers).Accepted);
        Assert.Equal(ReplicaRole.Primary, pair.Cores["b"].Role);
        // The read held meanwhile runs once the forced epoch is durable and its opening no-op commits.
        pair.PersistAll("b");
        Assert.Equal(ReplyStatus.Ok, pair.Replies.Single(r => Equals(r.Token, "read")).Status);
    }

    [Fact]
    public void A_second_force_is_refused()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        Assert.Equal("this replica already runs forced simplex in epoch 3; nothing to force", pair.Force("b").Reason);
    }

    [Fact]
    public void When_the_witness_returns_and_grants_the_forced_epoch_the_primary_is_an_ordinary_simplex_primary()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        var b = pair.Cores["b"];
        pair.WitnessDown = false;
        pair.Advance(1_000);
        Assert.False(b.Forced);
        Assert.True(b.Simplex);
        Assert.Equal((3, "b#1"), (pair.Witness.GrantedEpoch, pair.Witness.Holder));
        Assert.Equal(ReplyStatus.Ok, pair.Request("b", Session, 2, KvCommand.Put("leased", [1])).Status);

        // It now commits only under the witness's lease: without renewals it stops once the lease runs out.
        pair.WitnessDown = true;
        pair.Advance(2_000);
        Assert.Null(pair.Request("b", Session, 3, KvCommand.Put("unleased", [1])));
    }

    [Fact]
    public void When_the_witness_has_granted_the_epoch_to_the_other_replica_the_forced_primary_fences_itself()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        var b = pair.Cores["b"];
        // Meanwhile the witness gave epoch 3 to a: two primaries served alone.
        pair.Witness = new WitnessRegister(3, "a#1");
        pair.WitnessDown = false;
        pair.Advance(1_000);
        Assert.True(b.Fenced);
        Assert.False(b.Forced);
        Assert.Equal(ReplicaRole.Joining, b.Role);
        Assert.Contains(pair.Alarms, m => m.StartsWith("split brain: the witness refused forced epoch 3 of b (the witness granted epoch 3 to another replica)"));
        var applied = b.AppliedIndex;
        Assert.Equal(ReplyStatus.Unavailable, pair.Request("b", Session, 2, KvCommand.Put("after", [1])).Status);
        pair.Advance(1_000);
        Assert.Equal(applied, b.AppliedIndex);
    }

    [Fact]
    public void A_restarted_witness_holding_the_old_primarys_lease_for_a_term_does_not_fence_the_forced_primary()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        var b = pair.Cores["b"];
        // a held epoch 1; a restarted witness honours a's possible lease for one term and refuses b meanwhile.
        pair.Witness = new WitnessRegister(1, "a#1", Leased: true).AfterRestart(pair.Now, 5_000);
        pair.WitnessDown = false;
        pair.Advance(3_000);
        Assert.True(b.Forced);
        Assert.Equal(ReplyStatus.Ok, pair.Request("b", Session, 2, KvCommand.Put("during", [1])).Status);
        pair.Advance(3_000);
        Assert.False(b.Forced);
        Assert.True(b.Simplex);
        Assert.Equal(3, pair.Witness.GrantedEpoch);
        Assert.DoesNotContain(pair.Alarms, m => m.StartsWith("split brain"));
    }

    [Fact]
    public void A_lease_the_other_replica_keeps_renewing_fences_the_forced_primary()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        var b = pair.Cores["b"];
        pair.WitnessDown = false;
        for (var i = 0; i < 8 && !b.Fenced; i++)
        {
            // a runs alone in epoch 2 and keeps renewing its lease.
            pair.Witness = new WitnessRegister(2, "a#1", pair.Now + 2_000);
            pair.Advance(1_000);
        }
        Assert.True(b.Fenced);
        Assert.Contains(pair.Alarms, m => m.Contains("another replica has held a live witness lease for over 5000 ms"));
    }

    [Fact]
    public void When_the_peer_returns_the_forced_primary_takes_it_back_and_the_pair_is_duplex_again()
    {
        var pair = StrandedPair();
        Assert.True(pair.Force("b").Accepted);
        Assert.Equal(ReplyStatus.Ok, pair.Request("b", Session, 2, KvCommand.Put("alone", [1])).Status);
        pair.Down.Remove("a");
        pair.Advance(1_000);
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.Equal(ReplicaRole.Secondary, a.Role);
        Assert.True(b.Duplex);
        Assert.False(b.Forced);
        Assert.Equal(ReplyStatus.Ok, pair.Request("b", Session, 3, KvCommand.Put("duplex", [1])).Status);
        pair.Advance(200);
        Assert.Equal(b.AppliedIndex, a.AppliedIndex);
        Assert.Equal(b.HashHex, a.HashHex);
        Assert.True(((KvGuest)a.Guest).Entries.ContainsKey("alone"));
    }

    [Fact]
    public void A_stuck_primary_may_be_forced_and_its_waiting_clients_are_released()
    {
        var pair = new PairHarness { WitnessDown = true, Partitioned = true };
        pair.Advance(600);
        var a = pair.Cores["a"];
        Assert.Equal(ReplicaRole.Candidate, a.Role);
        var answer = pair.Force("a");
        Assert.True(answer.Accepted);
        Assert.Equal(ReplicaRole.Primary, a.Role);
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k", [1])).Status);
    }

    [Fact]
    public void A_secondary_whose_primary_ran_alone_is_not_forced()
    {
        var b = new ReplicaCore("b", "a", false, "b#1", new KvGuest(), 3);
        b.Start(0);
        foreach (var op in b.Handle(new PeerReceived(new Append(2, 0, 0, [], 0, 0, null, long.MaxValue)), 1).OfType<PersistEpoch>())
            b.Handle(new LocalPersisted(op.OpId), 1);
        b.Handle(Tick.Instance, 2_000);
        var answer = b.Handle(new ForceSimplex("op"), 2_001).OfType<ForceSimplexAnswered>().Single();
        Assert.False(answer.Accepted);
        Assert.StartsWith("its primary a ran alone or is ahead of this replica", answer.Reason);
    }

    [Fact]
    public void A_replica_that_just_started_waits_for_its_peer_before_it_may_be_forced()
    {
        var b = new ReplicaCore("b", "a", false, "b#1", new KvGuest(), 3);
        b.Start(10_000);
        var early = b.Handle(new ForceSimplex("op"), 10_100).OfType<ForceSimplexAnswered>().Single();
        Assert.Equal("this replica started 100 ms ago: its peer a must be silent for 500 ms first", early.Reason);
        var effects = b.Handle(new ForceSimplex("op"), 10_600);
        Assert.Equal(1, effects.OfType<PersistEpoch>().Single().Epoch);
        Assert.Empty(effects.OfType<ForceSimplexAnswered>());
    }

    [Fact]
    public void An_unprotected_replica_is_never_forced()
    {
        var solo = new ReplicaCore("a", null, true, "a#1", new KvGuest(), 1);
        solo.Start(0);
        var answer = solo.Handle(new ForceSimplex("op"), 1_000).OfType<ForceSimplexAnswered>().Single();
        Assert.False(answer.Accepted);
        Assert.Contains("unprotected", answer.Reason);
    }
}
