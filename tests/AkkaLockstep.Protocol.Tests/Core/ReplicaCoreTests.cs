using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class ReplicaCoreTests
{
    private static readonly Guid Session = Guid.Parse("11111111-2222-3333-4444-555555555555");

    [Fact]
    public void Pair_forms_with_the_preferred_replica_as_primary_in_epoch_1()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplicaRole.Primary, pair.Cores["a"].Role);
        Assert.Equal(ReplicaRole.Secondary, pair.Cores["b"].Role);
        Assert.Equal(1, pair.Cores["a"].Epoch);
        Assert.Equal(1, pair.Witness.GrantedEpoch);
    }

    [Fact]
    public void A_write_is_answered_only_after_it_is_durable_on_both_replicas()
    {
        var pair = new PairHarness { AutoPersist = false };
        pair.PersistAll("a");
        pair.PersistAll("b");
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        Assert.Empty(pair.Replies);
        pair.PersistAll("a");
        Assert.Empty(pair.Replies);
        pair.PersistAll("b");
        var reply = Assert.Single(pair.Replies);
        Assert.Equal(ReplyStatus.Ok, reply.Status);
        Assert.Equal(KvStatus.Ok, KvResult.Decode(reply.Output).Status);
    }

    [Fact]
    public void The_secondary_applies_only_what_the_primary_declared_committed()
    {
        var pair = new PairHarness();
        // Index 1 is the epoch's opening no-op; the write is index 2.
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        Assert.Equal(2, pair.Cores["a"].AppliedIndex);
        Assert.Equal(1, pair.Cores["b"].AppliedIndex);
        pair.Now += 200;
        pair.Feed("a", Tick.Instance);
        pair.Pump();
        Assert.Equal(2, pair.Cores["b"].AppliedIndex);
        Assert.Equal(pair.Cores["a"].HashHex, pair.Cores["b"].HashHex);
    }

    [Fact]
    public void A_retry_with_the_same_request_number_returns_the_stored_result_without_executing_again()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Cas("k", null, [1]));
        var first = pair.Replies[^1];
        var retry = pair.Request("a", Session, 1, KvCommand.Cas("k", null, [1]));
        Assert.Equal(first.Output, retry.Output);
        Assert.Equal(KvStatus.Ok, KvResult.Decode(retry.Output).Status);
        Assert.Equal(2, pair.Cores["a"].LastIndex);
        var stale = pair.Request("a", Session, 0, KvCommand.Get("k"));
        Assert.Equal(ReplyStatus.Stale, stale.Status);
    }

    [Fact]
    public void A_retry_while_the_first_attempt_is_in_flight_attaches_to_the_same_input()
    {
        var pair = new PairHarness { AutoPersist = false };
        pair.PersistAll("a");
        pair.PersistAll("b");
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]), token: "first");
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]), token: "retry");
        pair.PersistAll("a");
        pair.PersistAll("b");
        Assert.Equal(["first", "retry"], pair.Replies.Select(r => (string)r.Token));
        Assert.Equal(2, pair.Cores["a"].LastIndex);
    }

    [Fact]
    public void The_secondary_redirects_clients_to_the_primary()
    {
        var pair = new PairHarness();
        var reply = pair.Request("b", Session, 1, KvCommand.Get("k"));
        Assert.Equal(ReplyStatus.NotPrimary, reply.Status);
        Assert.Equal("a", reply.LeaderHint);
    }

    [Fact]
    public void Many_queued_requests_are_sequenced_in_batches()
    {
        var pair = new PairHarness { AutoPersist = false };
        pair.PersistAll("a");
        pair.PersistAll("b");
        for (var i = 0; i < 2000; i++)
            pair.Feed("a", new ClientRequest(i, Guid.NewGuid(), 1, KvCommand.Put($"k{i}", [1]).Encode()));
        // The pipeline fills with the first requests; the rest queue and coalesce into full batches.
        var first = pair.Unpersisted["a"].OfType<PersistEntries>().ToArray();
        Assert.Equal(8, first.Length);
        Assert.Equal(1992, pair.Cores["a"].PendingRequests);
        pair.Pump();
        pair.PersistAll("a");
        pair.PersistAll("b");
        var next = pair.Unpersisted["a"].OfType<PersistEntries>().ToArray();
        Assert.Equal([256, 256, 256, 256, 256, 256, 256, 200], next.Select(b => b.Entries.Count));
        while (pair.Unpersisted["a"].Count > 0 || pair.Unpersisted["b"].Count > 0)
        {
            pair.Pump();
            pair.PersistAll("a");
            pair.PersistAll("b");
        }
        Assert.Equal(2000, pair.Replies.Count);
        Assert.All(pair.Replies, r => Assert.Equal(ReplyStatus.Ok, r.Status));
    }

    [Fact]
    public void A_conflicting_tail_from_an_old_epoch_is_discarded_never_applied()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        // b holds an uncommitted entry at index 2 written in epoch 1 by a primary that then lost it.
        var orphan = new Input(2, 1, 5, 5, Guid.NewGuid(), 1, KvCommand.Put("orphan", [9]).Encode());
        var b = new ReplicaCore("b", "a", false, "b#2", new KvGuest(), 3);
        b.RecoverEpoch(1);
        b.RecoverEntries([pair.Cores["b"].LogEntry(1)!, orphan]);
        var effects = b.Start(2_000).ToList();
        // A new primary in epoch 2 whose log holds a different entry at index 2.
        var replacement = new Input(2, 2, 6, 6, Guid.NewGuid(), 1, KvCommand.Put("k2", [2]).Encode());
        effects.AddRange(b.Handle(new PeerReceived(new Append(2, 1, 1, [replacement], 2, 0, null)), 2_001));
        Assert.Contains(effects, e => e is PersistTruncate { FromIndex: 2 });
        Assert.Equal(2, b.LogEntry(2)!.Epoch);
        foreach (var op in effects.OfType<PersistEntries>().Select(e => e.OpId)
                     .Concat(effects.OfType<PersistEpoch>().Select(e => e.OpId))
                     .Concat(effects.OfType<PersistTruncate>().Select(e => e.OpId)).Order())
            b.Handle(new LocalPersisted(op), 2_002);
        Assert.Equal(2, b.AppliedIndex);
        var guest = (KvGuest)b.Guest;
        Assert.False(guest.Entries.ContainsKey("orphan"));
        Assert.True(guest.Entries.ContainsKey("k2"));
    }

    [Fact]
    public void A_secondary_does_not_acknowledge_before_its_epoch_promise_is_durable()
    {
        var b = new ReplicaCore("b", "a", false, "b#1", new KvGuest(), 3);
        b.Start(0);
        var effects = b.Handle(new PeerReceived(new Append(1, 0, 0, [], 0, 0, null)), 1);
        Assert.DoesNotContain(effects, e => e is SendToPeer { Message: AppendReply { Success: true } });
        var epochOp = effects.OfType<PersistEpoch>().Single().OpId;
        var after = b.Handle(new LocalPersisted(epochOp), 2);
        Assert.Contains(after, e => e is SendToPeer { Message: AppendReply { Success: true } });
    }

    [Fact]
    public void A_primary_that_hears_of_a_newer_epoch_steps_down_and_releases_waiting_clients()
    {
        var pair = new PairHarness { AutoPersist = false };
        pair.PersistAll("a");
        pair.PersistAll("b");
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        pair.Feed("a", new PeerReceived(new AppendReply(5, false, 0, 0, false, "b#9")));
        Assert.Equal(ReplicaRole.Joining, pair.Cores["a"].Role);
        Assert.Equal(ReplyStatus.Unavailable, Assert.Single(pair.Replies).Status);
    }

    [Fact]
    public void A_hash_mismatch_raises_a_divergence_alarm()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        var b = pair.Cores["b"];
        var effects = b.Handle(new PeerReceived(new Append(1, 2, 1, [], 2, 2, new byte[32])), pair.Now);
        Assert.Contains(effects, e => e is Alarm a && a.Message.Contains("divergence"));
        Assert.True(b.Diverged);
    }

    [Fact]
    public void A_primary_after_a_restart_is_not_duplex_before_its_peer_acknowledged_the_inherited_log()
    {
        // Both replicas restarted: "a" recovered three uncommitted entries of epoch 1 (nothing applied yet).
        var a = new ReplicaCore("a", "b", true, "a#2", new KvGuest(), 1);
        a.RecoverEpoch(1);
        a.RecoverEntries(Enumerable.Range(1, 3)
            .Select(i => new Input(i, 1, i, (ulong)i, Session, i, KvCommand.Put($"k{i}", [(byte)i]).Encode())).ToArray());
        var effects = a.Start(1_000).ToList();
        effects.AddRange(a.Handle(new PeerReceived(new Probe(1, 1, 3, ReplicaRole.Joining, false, "b#2")), 1_001));
        Assert.Equal(2, Assert.Single(effects.OfType<ClaimEpoch>()).Epoch);
        effects = a.Handle(new EpochGranted(2), 1_002).ToList();
        effects.AddRange(a.Handle(new LocalPersisted(effects.OfType<PersistEpoch>().Single().OpId), 1_003));
        Assert.Equal(ReplicaRole.Primary, a.Role);
        Assert.Equal(0, a.CommitIndex);
        Assert.False(a.Duplex, "duplex reported before the peer acknowledged anything in the new epoch");

        // Index 4 is epoch 2's opening no-op: the inherited entries commit together with it.
        a.Handle(new PeerReceived(new AppendReply(2, true, 3, 3, false, "b#2")), 1_004);
        Assert.Equal(0, a.CommitIndex);
        foreach (var op in effects.OfType<PersistEntries>()) a.Handle(new LocalPersisted(op.OpId), 1_006);
        a.Handle(new PeerReceived(new AppendReply(2, true, 4, 4, false, "b#2")), 1_007);
        Assert.Equal(4, a.CommitIndex);
        Assert.Equal(4, a.AppliedIndex);
        Assert.True(a.Duplex);
    }

    [Fact]
    public void A_secondary_never_takes_over_from_a_simplex_primary_but_may_once_the_pair_is_duplex_again()
    {
        var b = new ReplicaCore("b", "a", false, "b#1", new KvGuest(), 3);
        b.Start(0);
        void Persist(IEnumerable<Effect> effects)
        {
            foreach (var op in effects.OfType<PersistEpoch>()) b.Handle(new LocalPersisted(op.OpId), 1);
        }
        // Ticks every 20 ms, as the shell's timer: b listens the whole time.
        List<Effect> TicksUntil(long from, long to)
        {
            var effects = new List<Effect>();
            for (var t = from; t <= to; t += 20) effects.AddRange(b.Handle(Tick.Instance, t));
            return effects;
        }
        // The primary of epoch 2 runs alone: silence must not make b claim.
        Persist(b.Handle(new PeerReceived(new Append(2, 0, 0, [], 0, 0, null, long.MaxValue)), 1));
        Assert.DoesNotContain(TicksUntil(21, 2_000), e => e is ClaimEpoch);
        // Back to duplex (a finite takeover index b has matched): a stale "alone" arriving late changes nothing.
        b.Handle(new PeerReceived(new Append(2, 0, 0, [], 0, 0, null, 0)), 2_001);
        b.Handle(new PeerReceived(new Append(2, 0, 0, [], 0, 0, null, long.MaxValue)), 2_002);
        Assert.Contains(TicksUntil(2_020, 4_000), e => e is ClaimEpoch { Simplex: true });
    }

    [Fact]
    public void A_secondary_whose_own_thread_stalled_does_not_judge_its_primary_silent_until_it_has_listened_again()
    {
        var pair = new PairHarness();
        pair.Advance(1_000);
        // b's thread stalls for 600 ms, longer than the peer timeout, while a keeps going: b's first command after the
        // stall is a tick, with a's heartbeats of that time still queued behind it (here: not yet sent).
        pair.Now += 600;
        Assert.DoesNotContain(pair.Cores["b"].Handle(Tick.Instance, pair.Now), e => e is ClaimEpoch);
        pair.Advance(1_000);
        Assert.Equal(ReplicaRole.Primary, pair.Cores["a"].Role);
        Assert.Equal(ReplicaRole.Secondary, pair.Cores["b"].Role);
        Assert.Equal(1, pair.Cores["b"].Epoch);
        Assert.Equal(1, pair.Witness.GrantedEpoch);
    }

    [Fact]
    public void A_secondary_that_stalled_still_takes_over_once_it_has_listened_and_heard_nothing()
    {
        var pair = new PairHarness();
        pair.Advance(1_000);
        pair.Down.Add("a");
        pair.Now += 600;
        Assert.DoesNotContain(pair.Cores["b"].Handle(Tick.Instance, pair.Now), e => e is ClaimEpoch);
        pair.Advance(1_000);
        Assert.Equal(ReplicaRole.Primary, pair.Cores["b"].Role);
        Assert.Equal(2, pair.Witness.GrantedEpoch);
    }
}
