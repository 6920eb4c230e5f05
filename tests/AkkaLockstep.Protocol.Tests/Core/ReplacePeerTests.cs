using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>Re-protection onto a spare host: the primary's peer is replaced by a fresh replica elsewhere.</summary>
public sealed class ReplacePeerTests
{
    private static readonly Guid Session = Guid.Parse("34343434-2222-3333-4444-555555555555");

    [Fact]
    public void A_simplex_primary_takes_a_fresh_peer_which_catches_up_and_the_pair_is_duplex_again()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k1", [1])).Status);
        pair.Down.Add("b");
        pair.Advance(700);
        var a = pair.Cores["a"];
        Assert.True(a.Simplex);
        for (var i = 2; i <= 20; i++) Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, i, KvCommand.Put($"k{i}", [(byte)i])).Status);

        var c = pair.AddReplica("c", "a");
        pair.Feed("a", new ReplacePeer("c"));
        Assert.Equal("c", a.Peer);
        Assert.Contains(pair.Notices, n => n.Contains("peer b is replaced by c", StringComparison.Ordinal));
        pair.Advance(1000);
        Assert.True(a.Duplex, "not duplex with the spare");
        Assert.Equal(a.HashHex, c.HashHex);
        Assert.Equal(a.Guest.Digest(), c.Guest.Digest());
        Assert.Equal(20, ((KvGuest)c.Guest).Entries.Count);

        // Writes now need the spare's journal too.
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 21, KvCommand.Put("k21", [21])).Status);
        pair.Advance(100);
        Assert.True(((KvGuest)c.Guest).Entries.ContainsKey("k21"));
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void A_duplex_primary_puts_the_replacement_off_and_says_so_once()
    {
        var pair = new PairHarness();
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("k", [1])).Status);
        var a = pair.Cores["a"];
        Assert.True(a.Duplex);
        pair.Feed("a", new ReplacePeer("c"));
        pair.Feed("a", new ReplacePeer("c"));
        Assert.Equal("b", a.Peer);
        Assert.Single(pair.Notices, n => n.Contains("waiting until it is not", StringComparison.Ordinal));
        Assert.True(a.Duplex);
    }
}
