using System.Security.Cryptography;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>A full copy sends the primary's newest durable disk when it can, instead of capturing the state.</summary>
public sealed class DurableCopyTests
{
    private static readonly Guid Session = Guid.Parse("99999999-2222-3333-4444-666666666666");

    /// <summary>The state as a disk file would hold it; <c>Damaged</c> flips a byte after its digest was taken.</summary>
    private sealed class FakeDisk(long index, byte[] state, bool damaged = false, bool unreadable = false) : CopySource
    {
        private readonly byte[] _bytes = Flip(state, damaged);
        public int Opened;
        public int Disposed;
        public override long Index => index;
        public override long Length => state.Length;
        public override byte[] Digest { get; } = SHA256.HashData(state);
        public override string Description => $"the disk file disk-{index}";
        public override bool IsDiskFile => true;

        public override ReadOnlyMemory<byte> Read(long offset, int size) =>
            unreadable && offset > 0 ? throw new IOException("input/output error") : _bytes.AsMemory((int)offset, size);

        public override void Dispose() => Disposed++;

        private static byte[] Flip(byte[] state, bool damaged)
        {
            var copy = state.ToArray();
            if (damaged) copy[copy.Length / 2] ^= 0xff;
            return copy;
        }
    }

    /// <summary>
    /// b is away while a serves alone; a's disk is taken after <paramref name="beforeDisk"/> writes, then
    /// <paramref name="afterDisk"/> more writes follow and the log is compacted to the disk (retaining nothing before it).
    /// </summary>
    private static (PairHarness Pair, long DiskIndex) AwayWithDisk(int beforeDisk, int afterDisk, Func<long, byte[], FakeDisk> disk,
        Action<FakeDisk>? opened = null, ReplicaOptions? options = null)
    {
        var pair = new PairHarness(options ?? new ReplicaOptions { SnapshotChunkBytes = 128, CopyWindowBytes = 1024 });
        Assert.Equal(ReplyStatus.Ok, pair.Request("a", Session, 1, KvCommand.Put("before", [1])).Status);
        pair.Down.Add("b");
        pair.Advance(700);
        var a = pair.Cores["a"];
        var requestNo = 2L;
        for (var i = 0; i < beforeDisk; i++) pair.Request("a", Session, requestNo++, KvCommand.Put($"k{i}", new byte[40]));
        var diskIndex = a.AppliedIndex;
        var state = a.Machine.Snapshot();
        a.DurableState = () =>
        {
            var d = disk(diskIndex, state);
            d.Opened++;
            opened?.Invoke(d);
            return d;
        };
        for (var i = 0; i < afterDisk; i++) pair.Request("a", Session, requestNo++, KvCommand.Put($"j{i}", new byte[40]));
        a.Compact(0, diskIndex);
        Assert.Null(a.LogEntry(diskIndex));
        Assert.NotNull(a.LogEntry(diskIndex + 1));
        return (pair, diskIndex);
    }

    private static IEnumerable<SnapshotChunk> Pieces(PairHarness pair) => pair.Delivered.Select(d => d.Message).OfType<SnapshotChunk>();

    private static void AssertIdenticalDuplex(PairHarness pair)
    {
        var (a, b) = (pair.Cores["a"], pair.Cores["b"]);
        Assert.True(a.Duplex, "not duplex after the copy");
        Assert.Equal(a.AppliedIndex, b.AppliedIndex);
        Assert.Equal(a.HashHex, b.HashHex);
        Assert.Equal(a.Guest.Digest(), b.Guest.Digest());
    }

    [Fact]
    public void The_newest_disk_is_sent_and_the_entries_after_it_follow()
    {
        var disks = new List<FakeDisk>();
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s), disks.Add);
        pair.Down.Remove("b");
        pair.Advance(1000);
        AssertIdenticalDuplex(pair);
        Assert.All(Pieces(pair), c => Assert.Equal(diskIndex, c.SnapshotIndex));
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of the disk file disk-{diskIndex} at index {diskIndex}", StringComparison.Ordinal));
        Assert.Contains(pair.Notices, n => n.StartsWith($"installed a full copy of a's state at index {diskIndex}", StringComparison.Ordinal));
        Assert.True(((KvGuest)pair.Cores["b"].Guest).Entries.ContainsKey("j19"), "the entries after the disk did not follow it");
        Assert.Empty(pair.Alarms);
        // Opened for the copy and closed when the peer held it.
        Assert.Single(disks);
        Assert.Equal(1, disks[0].Disposed);
    }

    [Fact]
    public void A_disk_the_peer_finds_damaged_is_alarmed_and_never_sent_again_and_nothing_is_lost()
    {
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s, damaged: true));
        pair.Down.Remove("b");
        pair.Advance(3000);
        AssertIdenticalDuplex(pair);
        Assert.Contains(pair.Alarms, m => m.Contains("failed its checksum", StringComparison.Ordinal));
        Assert.Contains(pair.Alarms, m => m.Contains($"found the full copy of the disk file disk-{diskIndex} at index {diskIndex} damaged", StringComparison.Ordinal));
        var now = pair.Cores["a"].AppliedIndex;
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of a capture of the state at index {now}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_disk_that_cannot_be_read_is_alarmed_and_the_state_goes_instead()
    {
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s, unreadable: true));
        pair.Down.Remove("b");
        pair.Advance(3000);
        AssertIdenticalDuplex(pair);
        Assert.Contains(pair.Alarms, m => m.Contains($"cannot read the disk file disk-{diskIndex}", StringComparison.Ordinal) &&
                                          m.Contains("input/output error", StringComparison.Ordinal));
        var now = pair.Cores["a"].AppliedIndex;
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of a capture of the state at index {now}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_disk_older_than_the_log_holds_entries_after_is_not_sent()
    {
        var disks = new List<FakeDisk>();
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s), disks.Add);
        // The log compacted past the disk (a checkpoint at a's applied index, not offered for copies): the entries
        // between would be missing after the disk.
        var a = pair.Cores["a"];
        a.Compact(0, a.AppliedIndex);
        pair.Down.Remove("b");
        pair.Advance(1000);
        AssertIdenticalDuplex(pair);
        Assert.DoesNotContain(pair.Notices, n => n.Contains($"sending a full copy of the disk file disk-{diskIndex} ", StringComparison.Ordinal));
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of a capture of the state at index {a.AppliedIndex}", StringComparison.Ordinal));
        Assert.All(disks, d => Assert.Equal(1, d.Disposed));
        Assert.Empty(pair.Alarms);
    }

    private static ReplicaOptions SmallCopies(long staleBytes) => new()
    {
        SnapshotChunkBytes = 128, CopyWindowBytes = 1024, StaleDiskLagBytes = staleBytes,
    };

    [Fact]
    public void Where_the_state_cannot_be_frozen_a_disk_that_lags_by_much_goes_with_its_entries()
    {
        var (pair, diskIndex) = AwayWithDisk(30, 40, (i, s) => new FakeDisk(i, s), options: SmallCopies(staleBytes: 500));
        pair.Down.Remove("b");
        pair.Advance(1000);
        AssertIdenticalDuplex(pair);
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of the disk file disk-{diskIndex} at index {diskIndex}", StringComparison.Ordinal) &&
                                           n.Contains("bytes of entries follow it", StringComparison.Ordinal));
    }

    [Fact]
    public void A_disk_that_lags_by_much_is_replaced_by_the_state_frozen_in_memory()
    {
        var disks = new List<FakeDisk>();
        var (pair, diskIndex) = AwayWithDisk(30, 40, (i, s) => new FakeDisk(i, s), disks.Add, SmallCopies(staleBytes: 500));
        var a = pair.Cores["a"];
        var frozen = new List<long>();
        a.FrozenCopies = (index, image) =>
        {
            frozen.Add(index);
            return HeldDigestSource.Hashed(index, image);
        };
        pair.Down.Remove("b");
        pair.Advance(1000);
        AssertIdenticalDuplex(pair);
        var at = Assert.Single(frozen);
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of the state frozen at index {at}", StringComparison.Ordinal) &&
                                           n.Contains($"the newest disk, at index {diskIndex}, lags it by", StringComparison.Ordinal));
        Assert.All(Pieces(pair), c => Assert.Equal(at, c.SnapshotIndex));
        Assert.All(disks, d => Assert.Equal(1, d.Disposed));
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void The_pieces_of_a_frozen_state_go_while_it_is_hashed_and_the_last_one_carries_the_digest()
    {
        var (pair, _) = AwayWithDisk(30, 40, (i, s) => new FakeDisk(i, s), options: SmallCopies(staleBytes: 500));
        var known = false;
        HeldDigestSource? gated = null;
        pair.Cores["a"].FrozenCopies = (index, image) => gated = new HeldDigestSource(index, image, () => known);
        pair.Down.Remove("b");
        pair.Advance(2000);
        Assert.NotNull(gated);
        var early = Pieces(pair).ToList();
        Assert.NotEmpty(early);
        Assert.All(early, c => Assert.Empty(c.Digest));
        // Every piece but the last went; the peer holds them and waits.
        Assert.Equal((gated.Length - 1) / 128 * 128, early.Max(c => c.Offset + c.Data.Length));
        Assert.False(pair.Cores["a"].Duplex);
        Assert.DoesNotContain(pair.Notices, n => n.StartsWith("installed a full copy", StringComparison.Ordinal));
        known = true;
        pair.Advance(1000);
        AssertIdenticalDuplex(pair);
        var last = Assert.Single(Pieces(pair), c => c.Offset + c.Data.Length == c.TotalLength);
        Assert.Equal(gated.Digest, last.Digest);
        Assert.Empty(pair.Alarms);
    }

    [Fact]
    public void A_disk_the_peer_finds_damaged_is_replaced_by_the_frozen_state_and_nothing_is_lost()
    {
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s, damaged: true));
        pair.Cores["a"].FrozenCopies = HeldDigestSource.Hashed;
        pair.Down.Remove("b");
        pair.Advance(3000);
        AssertIdenticalDuplex(pair);
        Assert.Contains(pair.Alarms, m => m.Contains($"found the full copy of the disk file disk-{diskIndex} at index {diskIndex} damaged", StringComparison.Ordinal));
        Assert.Contains(pair.Notices, n => n.Contains($"sending a full copy of the state frozen at index {pair.Cores["a"].AppliedIndex} ", StringComparison.Ordinal) &&
                                           n.Contains("no usable disk", StringComparison.Ordinal));
    }

    /// <summary>Counts how often the copy is read back whole.</summary>
    private sealed class CountingSink(long index, long length, byte[] digest) : MemoryCopySink(index, length, digest)
    {
        public int Reads;

        public override Stream OpenState()
        {
            Reads++;
            return base.OpenState();
        }
    }

    [Fact]
    public void The_state_is_built_as_the_pieces_arrive_and_the_copy_is_not_read_again_to_install_it()
    {
        var (pair, _) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s));
        var sinks = new List<CountingSink>();
        pair.Cores["b"].IncomingCopies = (index, length, digest) =>
        {
            var sink = new CountingSink(index, length, digest);
            sinks.Add(sink);
            return sink;
        };
        pair.Down.Remove("b");
        pair.Advance(3000);
        AssertIdenticalDuplex(pair);
        Assert.Equal(0, Assert.Single(sinks).Reads);
    }

    /// <summary>A disk that fills up after <paramref name="room"/> bytes of the copy.</summary>
    private sealed class FillingSink(long index, long length, byte[] digest, long room) : MemoryCopySink(index, length, digest)
    {
        protected override void Store(long offset, ReadOnlyMemory<byte> piece)
        {
            if (offset + piece.Length > room) Problem = "No space left on device";
            base.Store(offset, piece);
        }
    }

    [Fact]
    public void A_copy_the_disk_cannot_keep_is_alarmed_and_received_again_in_memory()
    {
        var (pair, diskIndex) = AwayWithDisk(30, 20, (i, s) => new FakeDisk(i, s));
        var opened = 0;
        pair.Cores["b"].IncomingCopies = (index, length, digest) =>
        {
            opened++;
            return new FillingSink(index, length, digest, room: 300);
        };
        pair.Down.Remove("b");
        pair.Advance(3000);
        AssertIdenticalDuplex(pair);
        Assert.Equal(1, opened);
        Assert.Contains(pair.Alarms, m => m.Contains($"the full copy from a at index {diskIndex} cannot be kept on disk (No space left on device); " +
                                                     "it starts again in memory", StringComparison.Ordinal));
    }
}
