using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>A secondary whose disk is full still answers its primary but makes nothing durable.</summary>
public sealed class PeerStallTests
{
    private static readonly Guid Session = Guid.Parse("12121212-2222-3333-4444-555555555555");

    /// <summary>
    /// What a's side sees of a secondary whose journal writes fail: its replica stops, starts again, probes, is sent
    /// the entries and fails again. It is never silent for long, so the peer timeout alone would never fire.
    /// </summary>
    private static void RestartingPeerFor(PairHarness pair, long ms, long durableIndex, ref int incarnation)
    {
        var a = pair.Cores["a"];
        for (var waited = 0L; waited < ms; waited += 100)
        {
            if (waited % 300 == 0) incarnation++;
            pair.Feed("a", new PeerReceived(new Probe(a.Epoch, 1, durableIndex, ReplicaRole.Joining, false, $"b#{incarnation}")));
            pair.PersistAll("a");
            pair.Advance(100);
        }
    }

    [Fact]
    public void The_primary_goes_on_alone_after_the_stall_timeout_and_a_retry_is_answered()
    {
        var pair = new PairHarness(new ReplicaOptions { PeerStallMs = 2000 });
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k", [1])).Status);
        var a = pair.Cores["a"];
        var (epoch, durable) = (a.Epoch, pair.Cores["b"].DurableIndex);
        pair.Down.Add("b");
        pair.AutoPersist = false;

        Assert.Null(pair.Request("a", Session, 2, KvCommand.Put("k", [2])));
        var incarnation = 1;
        RestartingPeerFor(pair, 1800, durable, ref incarnation);
        Assert.Equal((ReplicaRole.Primary, false, epoch), (a.Role, a.Simplex, a.Epoch));
        Assert.Single(pair.Replies);

        for (var waited = 0; waited < 1000 && !a.Simplex; waited += 100) RestartingPeerFor(pair, 100, durable, ref incarnation);
        Assert.True(a.Simplex, "still waiting on a peer that makes nothing durable");
        Assert.True(a.Epoch > epoch);
        Assert.Contains(pair.Alarms, m => m.Contains("made nothing durable", StringComparison.Ordinal));

        // The write that waited was failed back to its client, which retries: the retry is answered by a alone.
        pair.Request("a", Session, 2, KvCommand.Put("k", [2]));
        RestartingPeerFor(pair, 1000, durable, ref incarnation);
        Assert.Contains(pair.Replies.Skip(1), r => r.Status == ReplyStatus.Ok);
        Assert.Equal([2], ((KvGuest)a.Guest).Entries["k"]);
    }

    [Fact]
    public void A_slow_peer_that_keeps_making_progress_is_not_left_behind()
    {
        var pair = new PairHarness(new ReplicaOptions { PeerStallMs = 2000 });
        pair.AutoPersist = false;
        var a = pair.Cores["a"];
        // b's writes complete, but only a second after they were asked for: slow, never stalled.
        for (var i = 0; i < 60; i++)
        {
            pair.Feed("a", new ClientRequest($"r{i}", Session, 10 + i, KvCommand.Put("k", [(byte)i]).Encode()));
            pair.Pump();
            pair.PersistAll("a");
            if (i % 10 == 9) pair.PersistAll("b");
            pair.Advance(100);
        }
        Assert.Equal((ReplicaRole.Primary, false), (a.Role, a.Simplex));
        Assert.DoesNotContain(pair.Alarms, m => m.Contains("made nothing durable", StringComparison.Ordinal));
    }
}
