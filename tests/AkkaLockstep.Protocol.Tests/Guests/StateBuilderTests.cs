using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;
using AkkaLockstep.Protocol.Tests.Simulation;

namespace AkkaLockstep.Protocol.Tests.Guests;

/// <summary>A state built from a full copy's pieces as they arrive is the state restored from the whole copy.</summary>
public sealed class StateBuilderTests
{
    private static KvGuest Guest(int seed, int keys)
    {
        var random = new Random(seed);
        var guest = new KvGuest();
        for (var i = 0; i < keys; i++)
        {
            var value = new byte[random.Next(4) == 0 ? 0 : random.Next(1, 3_000)];
            random.NextBytes(value);
            var key = random.Next(5) == 0 ? "" : $"k{random.Next(1_000)}-ключ";
            guest.Apply(KvCommand.Put(key, value).Encode(), new InputContext(i + 1, 0, 0, Guid.Empty));
        }
        return guest;
    }

    /// <summary>Feeds <paramref name="bytes"/> in pieces of random sizes (often tiny, so lengths and keys straddle pieces).</summary>
    private static bool WriteInPieces(IStateBuilder builder, byte[] bytes, Random random)
    {
        for (var offset = 0; offset < bytes.Length;)
        {
            var size = Math.Min(bytes.Length - offset, random.Next(3) == 0 ? random.Next(1, 8) : random.Next(1, 4_000));
            if (!builder.Write(bytes.AsSpan(offset, size))) return false;
            offset += size;
        }
        return true;
    }

    [Fact]
    public void A_kv_state_built_from_pieces_of_any_size_is_the_state_restored_whole()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var snapshot = Guest(seed, seed % 40).Snapshot();
            var built = new KvGuest();
            var builder = built.BeginRestore(snapshot.Length);
            Assert.True(WriteInPieces(builder, snapshot, new Random(seed)), builder.Problem);
            Assert.True(builder.Commit(), builder.Problem);
            Assert.Equal(snapshot, built.Snapshot());
        }
    }

    [Fact]
    public void Damaged_kv_snapshots_are_refused_by_the_builder_and_change_nothing()
    {
        var snapshot = Guest(1, 30).Snapshot();
        var random = new Random(5);
        var damaged = new List<byte[]> { snapshot.Append((byte)0).ToArray(), Array.Empty<byte>() };
        for (var length = 0; length < snapshot.Length; length += 1 + length / 50) damaged.Add(snapshot[..length]);
        for (var i = 0; i < 3_000; i++)
        {
            var mutated = snapshot.ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            damaged.Add(mutated);
        }
        var accepted = 0;
        foreach (var bytes in damaged)
        {
            var guest = Guest(2, 5);
            var before = guest.Snapshot();
            var builder = guest.BeginRestore(bytes.Length);
            var whole = WriteInPieces(builder, bytes, random) && builder.Commit();
            if (!whole)
            {
                Assert.False(string.IsNullOrEmpty(builder.Problem));
                Assert.Equal(before, guest.Snapshot());
                Assert.Throws<InvalidDataException>(() => new KvGuest().Restore(bytes));
                continue;
            }
            // A mutation inside a key or a value is still a snapshot (the copy's SHA-256 catches it): exactly what was sent.
            accepted++;
            var restoredWhole = new KvGuest();
            restoredWhole.Restore(bytes);
            Assert.Equal(restoredWhole.Snapshot(), guest.Snapshot());
        }
        Assert.InRange(accepted, 1, damaged.Count - damaged.Count / 10);
    }

    private static ReplicatedMachine Machine(IGuest guest, int sessions)
    {
        var machine = new ReplicatedMachine(guest);
        for (var i = 1; i <= sessions; i++)
            machine.Apply(new Input(i, 1, 1_000 + i, (ulong)i, new Guid(i, 0, 0, new byte[8]), 1, KvCommand.Put($"s{i}", new byte[i % 50]).Encode()));
        return machine;
    }

    [Fact]
    public void A_machine_built_from_pieces_is_the_machine_restored_whole_even_when_its_sessions_span_many_pieces()
    {
        foreach (var sessions in new[] { 0, 1, 40, 3_000 })
        {
            var machine = Machine(new KvGuest(), sessions);
            var snapshot = machine.Snapshot();
            var built = new ReplicatedMachine(new KvGuest());
            var builder = built.BeginRestore(snapshot.Length);
            Assert.True(WriteInPieces(builder, snapshot, new Random(sessions)), builder.Problem);
            Assert.True(builder.Commit(), builder.Problem);
            Assert.Equal(snapshot, built.Snapshot());
            Assert.Equal(machine.AppliedIndex, built.AppliedIndex);
            Assert.Equal(machine.Hash.Hex, built.Hash.Hex);
        }
    }

    [Fact]
    public void A_machine_whose_guest_has_no_builder_or_whose_copy_is_cut_short_is_left_to_the_whole_restore()
    {
        var snapshot = Machine(new KvGuest(), 10).Snapshot();
        var recording = new ReplicatedMachine(new RecordingGuest());
        var noBuilder = recording.BeginRestore(snapshot.Length);
        Assert.False(noBuilder.Write(snapshot));
        Assert.Contains("restores from the whole snapshot", noBuilder.Problem);
        Assert.False(noBuilder.Commit());
        Assert.Equal(0, recording.AppliedIndex);

        var kv = Machine(new KvGuest(), 3);
        var before = kv.Snapshot();
        foreach (var cut in new[] { 10, 60, snapshot.Length - 1 })
        {
            var builder = kv.BeginRestore(snapshot.Length);
            builder.Write(snapshot.AsSpan(0, cut));
            Assert.False(builder.Commit());
            Assert.NotNull(builder.Problem);
            Assert.Equal(before, kv.Snapshot());
        }
    }
}
