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

    [Fact]
    public void A_repair_copy_that_takes_longer_than_the_stall_timeout_while_clients_write_does_not_leave_the_peer_behind()
    {
        var pair = new PairHarness(new ReplicaOptions
        {
            PeerStallMs = 1500, SnapshotChunkBytes = 64, CopyWindowBytes = 128, CopyStallMs = 300,
        });
        for (var i = 0; i < 40; i++) pair.Request("a", Session, 1 + i, KvCommand.Put($"k{i}", new byte[40]));
        pair.Advance(200);
        ((KvGuest)pair.Cores["b"].Guest).Apply(KvCommand.Put("rogue", [6]).Encode(), default);
        // Every eighth piece is lost the first time: each loss costs the copy a stall before it goes on.
        var lost = new HashSet<long>();
        pair.Drop = (_, message) => message is SnapshotChunk { Offset: var offset } && offset % 512 == 0 && lost.Add(offset);
        Verify(pair, 1);
        var a = pair.Cores["a"];
        for (var i = 0; i < 40; i++)
        {
            // Clients keep writing while the copy runs: their entries wait on b.
            pair.Feed("a", new ClientRequest($"w{i}", Session, 100 + i, KvCommand.Put($"w{i}", [1]).Encode()));
            pair.Advance(100);
        }
        Assert.Contains(pair.Alarms, m => m.Contains("repairing it with a full copy", StringComparison.Ordinal));
        Assert.True(lost.Count >= 4, $"only {lost.Count} pieces were lost: the copy was not slowed; {string.Join(",", pair.Delivered.Select(d => d.Message).OfType<SnapshotChunk>().Select(c => $"{c.Offset}/{c.TotalLength}"))}");
        Assert.False(pair.Cores["b"].Diverged, "the repair did not finish");
        Assert.DoesNotContain(pair.Alarms, m => m.Contains("made nothing durable", StringComparison.Ordinal));
        Assert.False(a.Simplex, "the primary left its peer behind during the repair");
        pair.Advance(500);
        Assert.True(a.Duplex);
        Assert.Equal(a.HashHex, pair.Cores["b"].HashHex);
    }
}
