using System.Security.Cryptography;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>A secondary that returns after the primary compacted the entries it misses gets a full copy of the state.</summary>
public sealed class FullCopyTests
{
    private static readonly Guid Session = Guid.Parse("99999999-2222-3333-4444-555555555555");

    /// <summary>b is away while a serves alone and compacts everything it applied; then b returns.</summary>
    private static PairHarness CompactedWhileAway(ReplicaOptions options, int writes)
    {
        var pair = new PairHarness(options);
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("before", [1])).Status);
        pair.Down.Add("b");
        pair.Advance(700);
        Assert.True(pair.Cores["a"].Simplex);
        for (var i = 0; i < writes; i++)
            Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 2 + i, KvCommand.Put($"k{i}", new byte[40])).Status);
        pair.Cores["a"].Compact(0, pair.Cores["a"].AppliedIndex);
        Assert.Null(pair.Cores["a"].LogEntry(2));
        return pair;
    }

    [Fact]
    public void The_returning_secondary_installs_a_copy_in_pieces_and_the_pair_is_duplex_and_identical()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 256 }, 50);
        pair.Down.Remove("b");
        pair.Advance(1000);
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.True(a.Duplex, "not duplex after the full copy");
        Assert.Equal(a.AppliedIndex, b.AppliedIndex);
        Assert.Equal(a.HashHex, b.HashHex);
        Assert.Equal(a.Guest.Digest(), b.Guest.Digest());
        Assert.Contains(pair.Notices, n => n.StartsWith("b needs entry", StringComparison.Ordinal));
        Assert.Contains(pair.Notices, n => n.StartsWith("installed a full copy of a's state", StringComparison.Ordinal));
        Assert.Empty(pair.Alarms);

        // Writes after the copy replicate as usual, and the session table came along: a retry is answered from it.
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 100, KvCommand.Put("after", [7])).Status);
        pair.Advance(200);
        Assert.Equal(a.HashHex, b.HashHex);
        Assert.True(((KvGuest)b.Guest).Entries.ContainsKey("after"));
        Assert.True(b.Machine.Sessions.TryGet(Session, out var entry) && entry.RequestNo == 100);
    }

    /// <summary>The shell takes no display digest of the state while a copy goes out or comes in (it competes for the CPU).</summary>
    [Fact]
    public void Both_replicas_say_they_are_copying_until_the_pair_is_duplex()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 256 }, 50);
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.False(a.Copying);
        // Its last piece is lost on the way, again and again.
        pair.Drop = (_, message) => message is SnapshotChunk piece && piece.Offset + piece.Data.Length == piece.TotalLength;
        pair.Down.Remove("b");
        pair.Advance(100);
        Assert.True(a.Copying, "the primary sending a copy says it is not copying");
        Assert.True(b.Copying, "the secondary receiving a copy says it is not copying");
        pair.Drop = null;
        pair.Advance(1000);
        Assert.True(a.Duplex);
        Assert.False(a.Copying);
        Assert.False(b.Copying);
    }

    [Fact]
    public void The_copy_is_acknowledged_only_once_it_is_durable()
    {
        var pair = CompactedWhileAway(new ReplicaOptions(), 10);
        pair.AutoPersist = false;
        pair.Down.Remove("b");
        pair.Advance(200);
        var b = pair.Cores["b"];
        Assert.Contains(pair.Unpersisted["b"], e => e is PersistSnapshot);
        Assert.True(pair.Cores["a"].PeerMatchIndex < pair.Cores["a"].AppliedIndex, "the primary counted a copy that is not durable");
        pair.PersistAll("b");
        pair.AutoPersist = true;
        pair.Advance(300);
        Assert.True(pair.Cores["a"].Duplex);
        Assert.Equal(pair.Cores["a"].HashHex, b.HashHex);
    }

    [Fact]
    public void A_copy_that_fails_its_checksum_is_refused_loudly_and_changes_nothing()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        var b = pair.Cores["b"];
        var (hash, applied) = (b.HashHex, b.AppliedIndex);
        var state = new byte[100];
        pair.Feed("b", new PeerReceived(SnapshotChunk.Of(b.Epoch, 50, b.Epoch, 0, state.Length, state, new byte[32])));
        Assert.Contains(pair.Alarms, a => a.Contains("failed its checksum", StringComparison.Ordinal));
        Assert.Equal((hash, applied), (b.HashHex, b.AppliedIndex));
    }

    [Fact]
    public void A_piece_after_a_gap_is_not_taken_and_the_secondary_says_where_its_copy_stands()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        var b = pair.Cores["b"];
        var state = pair.Cores["a"].Machine.Snapshot();
        var digest = SHA256.HashData(state);
        var index = pair.Cores["a"].AppliedIndex + 10;
        pair.Partitioned = true;
        pair.Feed("b", new PeerReceived(SnapshotChunk.Of(b.Epoch, index, b.Epoch, 0, state.Length, state[..10], digest)));
        var acks = new List<CopyAck>();
        foreach (var effect in b.Handle(new PeerReceived(SnapshotChunk.Of(b.Epoch, index, b.Epoch, 20, state.Length, state[20..], digest)), pair.Now))
            if (effect is SendToPeer { Message: CopyAck ack }) acks.Add(ack);
        Assert.Equal([new CopyAck(b.Epoch, index, 10, Gap: true)], acks);
        Assert.NotEqual(index, b.LastIndex);
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void The_primary_keeps_at_most_the_window_unacknowledged_on_the_way()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 64, CopyWindowBytes = 256 }, 50);
        var inFlight = 0L;
        var most = 0L;
        var pieces = 0;
        pair.Drop = (_, message) =>
        {
            switch (message)
            {
                case SnapshotChunk chunk:
                    pieces++;
                    inFlight += chunk.Data.Length;
                    most = Math.Max(most, inFlight);
                    break;
                case CopyAck:
                    inFlight = Math.Max(0, inFlight - 64);
                    break;
            }
            return false;
        };
        pair.Down.Remove("b");
        pair.Advance(1000);
        Assert.True(pair.Cores["a"].Duplex);
        Assert.True(pieces > 256 / 64, "the copy should need more pieces than the window holds");
        Assert.True(most <= 256, $"{most} bytes of the copy were on the way at once");
    }

    [Fact]
    public void After_a_cut_the_copy_goes_on_from_what_the_secondary_holds_instead_of_starting_again()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 64, CopyWindowBytes = 512 }, 50);
        pair.Down.Remove("b");
        // Ten pieces arrive, then the next ten are lost.
        var offsets = new List<long>();
        pair.Drop = (_, message) =>
        {
            if (message is not SnapshotChunk chunk) return false;
            offsets.Add(chunk.Offset);
            return offsets.Count is > 10 and <= 20;
        };
        pair.Advance(3000);
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.True(a.Duplex, "not duplex after the interrupted copy");
        Assert.Equal(a.HashHex, b.HashHex);
        // The piece lost first (the 11th) is sent again; the first ten never are.
        Assert.Equal(1, offsets.Count(o => o == 0));
        Assert.True(offsets.Count(o => o == offsets[10]) >= 2, "the first lost piece was never sent again");
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void A_damaged_piece_is_refused_with_an_alarm_and_sent_again_from_where_the_secondary_stands()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 64, CopyWindowBytes = 512 }, 50);
        pair.Down.Remove("b");
        var offsets = new List<long>();
        pair.Tamper = (_, message) =>
        {
            if (message is not SnapshotChunk chunk) return message;
            offsets.Add(chunk.Offset);
            if (offsets.Count != 5) return message;
            // The fifth piece arrives with one bit flipped and its original checksum.
            var damaged = chunk.Data.ToArray();
            damaged[7] ^= 0x10;
            return chunk with { Data = damaged };
        };
        pair.Advance(3000);
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.True(a.Duplex, "not duplex after the damaged piece");
        Assert.Equal(a.HashHex, b.HashHex);
        Assert.Equal(a.Guest.Digest(), b.Guest.Digest());
        Assert.Single(pair.Alarms, m => m.Contains("failed its checksum", StringComparison.Ordinal) && m.Contains($"offset {offsets[4]}", StringComparison.Ordinal));
        Assert.Equal(1, offsets.Count(o => o == 0));
        Assert.True(offsets.Count(o => o == offsets[4]) >= 2, "the damaged piece was never sent again");
    }

    [Fact]
    public void A_copy_of_an_older_state_than_the_secondary_has_is_ignored()
    {
        var pair = new PairHarness();
        pair.Request("a", Session, 1, KvCommand.Put("k", [1]));
        pair.Request("a", Session, 2, KvCommand.Put("k", [2]));
        var b = pair.Cores["b"];
        var (hash, applied) = (b.HashHex, b.AppliedIndex);
        var state = new byte[10];
        pair.Feed("b", new PeerReceived(SnapshotChunk.Of(b.Epoch, 1, b.Epoch, 0, state.Length, state, SHA256.HashData(state))));
        Assert.Equal((hash, applied), (b.HashHex, b.AppliedIndex));
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void A_returning_peer_slow_to_make_its_first_catch_up_durable_is_caught_up_from_where_it_stands_not_copied_whole()
    {
        var pair = new PairHarness();
        var a = pair.Cores["a"];
        for (var i = 0; i < 100; i++) Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1 + i, KvCommand.Put($"k{i}", [1])).Status);
        pair.Advance(200);
        var returnsAt = pair.Cores["b"].LastIndex;
        pair.Down.Add("b");
        pair.Advance(700);
        for (var i = 100; i < 200; i++) Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1 + i, KvCommand.Put($"k{i}", [1])).Status);
        // a keeps the entries b lacks, but not its whole log: entry 1 is gone.
        a.Compact(0, returnsAt - 10);
        Assert.Null(a.LogEntry(1));

        // b answers where it stands, but its journal takes longer than a's retransmit wait to make the catch-up durable.
        pair.AutoPersist = false;
        pair.Down.Remove("b");
        pair.Advance(1000);
        pair.AutoPersist = true;
        pair.PersistAll("b");
        pair.Advance(1000);

        Assert.True(a.Duplex, "not duplex again");
        Assert.DoesNotContain(pair.Delivered, d => d.Message is SnapshotChunk);
        Assert.Equal(a.HashHex, pair.Cores["b"].HashHex);
    }

    [Fact]
    public void A_peer_back_empty_at_once_gets_a_copy_and_one_that_takes_long_while_clients_write_is_not_left_behind()
    {
        var options = new ReplicaOptions { PeerStallMs = 1500, SnapshotChunkBytes = 64, CopyWindowBytes = 128, CopyStallMs = 300 };
        var pair = new PairHarness(options);
        for (var i = 0; i < 40; i++) pair.Request("a", Session, 1 + i, KvCommand.Put($"k{i}", new byte[40]));
        pair.Advance(200);
        var a = pair.Cores["a"];
        a.Compact(0, a.AppliedIndex);
        // Every piece is lost the first time: each window of the copy waits out a stall before it is sent again, so
        // the copy takes several times the stall timeout.
        var lost = new HashSet<long>();
        pair.Drop = (_, message) => message is SnapshotChunk { Offset: var offset } && lost.Add(offset);
        // b's process restarts at once with an empty journal: a never goes simplex, and b needs the whole state.
        pair.AddReplica("b", "a", options, incarnation: 2);
        for (var i = 0; i < 80; i++)
        {
            pair.Feed("a", new ClientRequest($"w{i}", Session, 100 + i, KvCommand.Put($"w{i}", [1]).Encode()));
            pair.Advance(100);
        }
        Assert.True(lost.Count >= 30, $"only {lost.Count} pieces were lost: the copy was not slowed");
        Assert.Contains(pair.Notices, n => n.StartsWith("installed a full copy of a's state", StringComparison.Ordinal));
        Assert.DoesNotContain(pair.Alarms, m => m.Contains("made nothing durable", StringComparison.Ordinal));
        Assert.False(a.Simplex, "the primary left its peer behind while the copy was moving");
        Assert.True(a.Duplex);
        Assert.Equal(a.HashHex, pair.Cores["b"].HashHex);
    }

    [Fact]
    public void A_last_piece_without_the_digest_is_refused_loudly_and_the_copy_completes_when_it_comes_with_it()
    {
        var pair = CompactedWhileAway(new ReplicaOptions { SnapshotChunkBytes = 256, CopyStallMs = 300 }, 50);
        var stripped = 0;
        pair.Tamper = (_, message) => message is SnapshotChunk last && last.Offset + last.Data.Length == last.TotalLength && stripped++ == 0
            ? last with { Digest = [] }
            : message;
        pair.Down.Remove("b");
        pair.Advance(2000);
        Assert.True(stripped > 0, "no last piece was sent");
        Assert.Contains(pair.Alarms, m => m.Contains("cannot be part of one", StringComparison.Ordinal) &&
                                          m.Contains("a digest of 0 bytes", StringComparison.Ordinal));
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.True(a.Duplex, "not duplex after the last piece came again");
        Assert.Equal(a.HashHex, b.HashHex);
    }
}
