using System.Security.Cryptography;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaLockstep.Host.Disk;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host.Tests.Disk;

/// <summary>A full copy received straight into the replica's disk file, and taken up again after a restart.</summary>
public sealed class DiskFileCopySinkTests : TestKit
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lockstep-copy-sink-").FullName;
    private readonly byte[] _state = RandomState(300_000);

    private static byte[] RandomState(int length)
    {
        var state = new byte[length];
        new Random(5).NextBytes(state);
        return state;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Directory.Delete(_folder, recursive: true);
        base.Dispose(disposing);
    }

    private DiskFileCopySink Open(long index = 9, byte[]? digest = null) =>
        DiskFileCopySink.Open(_folder, index, _state.Length, digest ?? SHA256.HashData(_state));

    private void Feed(DiskFileCopySink sink, int upTo)
    {
        for (var offset = (int)sink.Held; offset < upTo; offset += 40_000)
            sink.Append(_state.AsMemory(offset, Math.Min(40_000, upTo - offset)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_whole_copy_becomes_the_disk_file_of_its_index_without_being_written_again(bool direct)
    {
        using (var sink = DiskFileCopySink.Open(_folder, 9, _state.Length, SHA256.HashData(_state), direct))
        {
            Feed(sink, _state.Length);
            Assert.True(sink.Verify());
            Assert.True(sink.MakeDurable());
            Assert.Null(sink.Problem);
        }
        var (index, payload) = DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9)));
        Assert.Equal(9, index);
        Assert.Equal(_state, payload);
        Assert.Empty(Directory.GetFiles(_folder, "*.partial"));
    }

    [Fact]
    public void Pooled_pieces_are_written_whole_and_handed_back_once_written()
    {
        var pieces = new List<PooledPiece>();
        using (var sink = Open())
        {
            for (var offset = 0; offset < _state.Length; offset += 40_000)
            {
                var piece = PooledPiece.Rent(Math.Min(40_000, _state.Length - offset));
                _state.AsSpan(offset, piece.Memory.Length).CopyTo(piece.GetSpan());
                pieces.Add(piece);
                sink.Append(piece.Memory);
            }
            Assert.True(sink.Verify());
            Assert.True(sink.MakeDurable());
        }
        Assert.Equal(_state, DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9))).Payload);
        Assert.All(pieces, piece => Assert.Throws<ObjectDisposedException>(() => piece.GetSpan()));
    }

    [Fact]
    public void The_state_is_built_off_the_replicas_thread_and_whole_once_the_copy_is_verified()
    {
        var builder = new RecordingBuilder();
        using var sink = Open();
        sink.Builder = builder;
        Feed(sink, _state.Length);
        Assert.True(sink.Verify());
        Assert.Equal(_state, builder.Taken.ToArray());
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, builder.Threads);
        Assert.Same(builder, sink.Builder);
    }

    [Fact]
    public void A_builder_that_throws_is_dropped_and_the_copy_is_still_written_whole()
    {
        using (var sink = Open())
        {
            sink.Builder = new ThrowingBuilder();
            Feed(sink, _state.Length);
            Assert.True(sink.Verify());
            Assert.Null(sink.Builder);
            Assert.True(sink.MakeDurable());
            Assert.Null(sink.Problem);
        }
        Assert.Equal(_state, DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9))).Payload);
    }

    private sealed class ThrowingBuilder : IStateBuilder
    {
        public string? Problem => null;
        public bool Write(ReadOnlySpan<byte> bytes) => throw new InvalidOperationException("a builder with a bug");
        public bool Commit() => throw new InvalidOperationException("never committed");
    }

    /// <summary>Takes its bytes slowly, so a copy that did not wait for it would be verified with some missing.</summary>
    private sealed class RecordingBuilder : IStateBuilder
    {
        public MemoryStream Taken { get; } = new();
        public HashSet<int> Threads { get; } = [];
        public string? Problem => null;

        public bool Write(ReadOnlySpan<byte> bytes)
        {
            Thread.Sleep(2);
            Threads.Add(Environment.CurrentManagedThreadId);
            Taken.Write(bytes);
            return true;
        }

        public bool Commit() => true;
    }

    [Fact]
    public void A_copy_opened_again_after_a_restart_goes_on_from_what_it_held()
    {
        using (var sink = Open()) Feed(sink, 170_000);
        using var again = Open();
        Assert.Equal(170_000, again.Held);
        Feed(again, _state.Length);
        Assert.True(again.Verify());
        using (var state = again.OpenState())
        {
            var read = new byte[_state.Length];
            state.ReadExactly(read);
            Assert.Equal(_state, read);
        }
        Assert.True(again.MakeDurable());
        Assert.Equal(_state, DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9))).Payload);
    }

    [Fact]
    public void A_partial_file_of_another_copy_is_replaced_and_one_with_garbage_fails_the_digest_and_goes()
    {
        using (var sink = Open(index: 9)) Feed(sink, 100_000);
        using (var other = Open(index: 12))
        {
            Assert.Equal(0, other.Held);
            Assert.Equal([DiskImage.FileName(12) + ".partial"], Directory.GetFiles(_folder).Select(Path.GetFileName));
            Feed(other, 100_000);
        }
        // Garbage in the middle of what an earlier try held (a crash of the machine): taken up, then refused whole.
        var partial = Path.Combine(_folder, DiskImage.FileName(12) + ".partial");
        using (var file = new FileStream(partial, FileMode.Open)) { file.Position = DiskImage.HeaderBytes + 50_000; file.WriteByte(0); file.WriteByte(1); }
        using (var damaged = Open(index: 12))
        {
            Assert.Equal(100_000, damaged.Held);
            Feed(damaged, _state.Length);
            Assert.False(damaged.Verify());
        }
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void A_copy_opened_before_its_digest_was_known_learns_it_keeps_it_in_the_file_and_becomes_a_disk_with_it()
    {
        var digest = SHA256.HashData(_state);
        using (var sink = Open(digest: []))
        {
            Feed(sink, 170_000);
            Assert.False(sink.Verify(), "a copy without its digest must not pass");
        }
        // The failed verify dropped that file: this time the digest arrives midway, and a restart keeps it.
        using (var sink = Open(digest: []))
        {
            Feed(sink, 120_000);
            sink.LearnDigest(digest);
            Feed(sink, 200_000);
        }
        using var again = Open(digest: []);
        Assert.Equal(200_000, again.Held);
        Assert.Equal(digest, again.Digest);
        Feed(again, _state.Length);
        Assert.True(again.Verify());
        Assert.True(again.MakeDurable());
        var (index, payload) = DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9)));
        Assert.Equal(9, index);
        Assert.Equal(_state, payload);
    }

    [Fact]
    public void A_partial_file_whose_digest_is_known_is_not_taken_up_by_a_copy_announcing_another()
    {
        using (var sink = Open()) Feed(sink, 100_000);
        using var other = Open(digest: SHA256.HashData([1, 2, 3]));
        Assert.Equal(0, other.Held);
    }

    [Fact]
    public void A_copy_of_the_same_index_with_another_digest_starts_from_nothing()
    {
        using (var sink = Open()) Feed(sink, 100_000);
        var digest = SHA256.HashData(_state);
        digest[0] ^= 1;
        using var another = Open(digest: digest);
        Assert.Equal(0, another.Held);
    }

    [Fact]
    public void A_checkpoints_clean_up_leaves_a_copy_still_arriving_alone()
    {
        using var sink = Open();
        Feed(sink, 100_000);
        File.WriteAllBytes(Path.Combine(_folder, DiskImage.FileName(3)), [1]);
        var mirror = Sys.ActorOf(DiskMirrorActor.Props(_folder).WithDispatcher("akka.actor.default-dispatcher"));
        mirror.Tell(new DiskMirrorActor.KeepOnly([]));
        AwaitAssert(() => Assert.False(File.Exists(Path.Combine(_folder, DiskImage.FileName(3)))));
        Assert.True(File.Exists(Path.Combine(_folder, DiskImage.FileName(9) + ".partial")));
        Feed(sink, _state.Length);
        Assert.True(sink.Verify());
        Assert.True(sink.MakeDurable());
    }

    [Fact]
    public void A_write_the_disk_refuses_is_reported_by_a_later_piece_or_when_made_durable_and_the_file_goes()
    {
        Assert.True(Environment.UserName == "root", "this test mounts a 128 KiB tmpfs and needs root (as .ci/run runs)");
        var small = Path.Combine(_folder, "small");
        Directory.CreateDirectory(small);
        Run("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", small);
        try
        {
            using (var sink = DiskFileCopySink.Open(small, 9, _state.Length, SHA256.HashData(_state)))
            {
                // The pieces are written behind the replica's thread: the refusal shows at a later piece, or at the end.
                for (var offset = 0; offset < _state.Length && sink.Problem is null; offset += 40_000)
                    sink.Append(_state.AsMemory(offset, Math.Min(40_000, _state.Length - offset)));
                if (sink.Problem is null)
                {
                    Assert.True(sink.Verify());
                    Assert.False(sink.MakeDurable());
                }
                Assert.Contains("No space left on device", sink.Problem);
            }
            Assert.Empty(Directory.GetFiles(small));
        }
        finally
        {
            Run("umount", small);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
    }
}
