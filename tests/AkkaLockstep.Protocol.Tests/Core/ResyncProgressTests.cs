using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

public sealed class ResyncProgressTests
{
    private static readonly Guid Session = Guid.Parse("00000000-0000-0000-0000-0000000000d1");

    [Fact]
    public void Percent_is_the_share_of_the_gap_closed_since_the_episode_began_and_eta_follows_the_shrinking_lag()
    {
        var progress = new ResyncProgress();
        Assert.Null(progress.Snapshot(0));
        progress.Observe(0, peerMatch: 1000, lastIndex: 11_000);
        progress.Observe(1000, peerMatch: 5000, lastIndex: 12_000);
        var snapshot = progress.Snapshot(lagBytes: 7000)!;
        Assert.Equal(36.4, snapshot.Percent);
        Assert.Equal(7000, snapshot.LagInputs);
        Assert.Equal(7000, snapshot.LagBytes);
        Assert.Equal(4000, snapshot.InputsPerSecond);
        // The lag shrank by 3000 in a second: 7000 left takes 2.3 s.
        Assert.Equal(2.3, snapshot.EtaSeconds);
    }

    [Fact]
    public void A_lag_that_does_not_shrink_has_no_eta_and_a_new_episode_starts_from_its_own_baseline()
    {
        var progress = new ResyncProgress();
        progress.Observe(0, 100, 200);
        progress.Observe(1000, 150, 300);
        Assert.Null(progress.Snapshot(0)!.EtaSeconds);
        progress.Stop();
        Assert.False(progress.Active);
        progress.Observe(2000, 300, 400);
        Assert.Equal(0, progress.Snapshot(0)!.Percent);
    }

    [Fact]
    public void A_primary_sees_its_returning_peer_catch_up_with_the_inputs_and_bytes_it_lacks()
    {
        var pair = new PairHarness(new ReplicaOptions { MaxCatchUpEntries = 4, MaxUnackedEntries = 4 });
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k0", new byte[10])).Status);
        pair.Down.Add("b");
        pair.Advance(700);
        var a = pair.Cores["a"];
        Assert.True(a.Simplex);
        for (var i = 2; i <= 21; i++) Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, i, KvCommand.Put($"k{i}", new byte[10])).Status);
        Assert.False(a.PeerCatchingUp);

        // The peer returns, but its journal writes are held: it answers without matching everything yet.
        pair.AutoPersist = false;
        pair.Down.Remove("b");
        pair.Advance(100);
        Assert.True(a.PeerCatchingUp);
        var lag = a.LastIndex - a.PeerMatchIndex;
        Assert.True(lag >= 20, $"lag {lag}");
        Assert.True(a.PeerLagBytes >= 20 * 10, $"lag bytes {a.PeerLagBytes}");

        pair.AutoPersist = true;
        pair.PersistAll("b");
        pair.PersistAll("a");
        pair.Advance(500);
        Assert.False(a.PeerCatchingUp);
        Assert.True(a.Duplex);
        Assert.Equal(0, a.PeerLagBytes);
    }

    [Fact]
    public void A_returning_peer_that_missed_large_inputs_is_sent_at_most_the_byte_window_beyond_one_batch_until_it_answers()
    {
        var options = new ReplicaOptions { MaxUnackedBytes = 3000, MaxBatchBytes = 1000 };
        var pair = new PairHarness(options);
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k0", new byte[10])).Status);
        pair.Down.Add("b");
        pair.Advance(700);
        for (var i = 2; i <= 41; i++) Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, i, KvCommand.Put($"k{i}", new byte[500])).Status);

        // b returns but makes nothing durable: whatever a sends it stays unacknowledged, retransmissions included.
        pair.AutoPersist = false;
        var largest = 0L;
        pair.Tamper = (to, message) =>
        {
            if (to == "b" && message is Append { Entries.Count: > 0 } append)
                largest = Math.Max(largest, append.Entries[^1].Index - pair.Cores["a"].PeerMatchIndex);
            return message;
        };
        pair.Down.Remove("b");
        pair.Advance(2000);
        Assert.True(largest > 0, "nothing was sent to the returning peer");
        // 500-byte inputs plus a little of key and framing each: the window (3000) and one batch (1000) hold under ten.
        Assert.InRange(largest, 1, 9);

        pair.AutoPersist = true;
        pair.PersistAll("b");
        pair.Advance(3000);
        Assert.True(pair.Cores["a"].Duplex, "the peer did not catch up through the window");
        Assert.Equal(pair.Cores["a"].HashHex, pair.Cores["b"].HashHex);
    }
}
