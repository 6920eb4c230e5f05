using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Guests;

public sealed class KvGuestTests
{
    private static readonly InputContext Context = new(1, 0, 0, new Guid("00000000-0000-0000-0000-000000000001"));

    private static KvResult Run(KvGuest guest, KvCommand command) => KvResult.Decode(guest.Apply(command.Encode(), Context));

    [Fact]
    public void Get_put_delete_and_compare_and_set()
    {
        var guest = new KvGuest();
        Assert.Equal(KvStatus.NotFound, Run(guest, KvCommand.Get("a")).Status);
        Assert.Equal(KvStatus.Ok, Run(guest, KvCommand.Put("a", [1])).Status);
        Assert.Equal(new byte[] { 1 }, Run(guest, KvCommand.Get("a")).Value);
        Assert.Equal(KvStatus.CasFailed, Run(guest, KvCommand.Cas("a", [2], [3])).Status);
        Assert.Equal(KvStatus.Ok, Run(guest, KvCommand.Cas("a", [1], [3])).Status);
        Assert.Equal(KvStatus.CasFailed, Run(guest, KvCommand.Cas("a", null, [4])).Status);
        Assert.Equal(KvStatus.Ok, Run(guest, KvCommand.Cas("new", null, [4])).Status);
        Assert.Equal(KvStatus.Ok, Run(guest, KvCommand.Delete("a")).Status);
        Assert.Equal(KvStatus.NotFound, Run(guest, KvCommand.Delete("a")).Status);
    }

    [Fact]
    public void Malformed_commands_are_error_outputs_that_change_nothing()
    {
        var guest = new KvGuest();
        Run(guest, KvCommand.Put("a", [1]));
        var digest = guest.Digest();
        var valid = KvCommand.Cas("a", [1], [2]).Encode();
        var random = new Random(7);
        var malformed = new List<byte[]> { Array.Empty<byte>(), new byte[] { 0 }, new byte[] { 99 }, valid.Append((byte)0).ToArray() };
        for (var length = 1; length < valid.Length; length++) malformed.Add(valid[..length]);
        for (var i = 0; i < 2_000; i++)
        {
            var mutated = valid.ToArray();
            // Corrupt a length field so it points past the end: always malformed.
            mutated[1 + random.Next(4)] = 0x7f;
            malformed.Add(mutated);
        }
        foreach (var bytes in malformed)
        {
            var result = KvResult.Decode(guest.Apply(bytes, Context));
            Assert.Equal(KvStatus.Error, result.Status);
            Assert.False(string.IsNullOrEmpty(result.Error));
        }
        Assert.Equal(digest, guest.Digest());
    }

    [Fact]
    public void Oversized_values_are_refused()
    {
        var guest = new KvGuest();
        var result = Run(guest, KvCommand.Put("big", new byte[KvCommand.MaxValueBytes + 1]));
        Assert.Equal(KvStatus.Error, result.Status);
        Assert.Equal(0, guest.Count);
    }

    [Fact]
    public void Snapshot_restore_round_trips_and_digests_compare_state()
    {
        var guest = new KvGuest();
        Run(guest, KvCommand.Put("x", [1, 2]));
        Run(guest, KvCommand.Put("y", []));
        Run(guest, KvCommand.Put("é-ключ", [3]));
        var copy = new KvGuest();
        var snapshot = guest.Snapshot();
        copy.Restore(snapshot);
        Assert.Equal(snapshot, copy.Snapshot());
        // The digest is hashed as the snapshot is laid out, without building it.
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(snapshot), guest.Digest());
        Assert.Equal(guest.Digest(), copy.Digest());
        Run(copy, KvCommand.Put("x", [9]));
        Assert.NotEqual(guest.Digest(), copy.Digest());
        Assert.Throws<InvalidDataException>(() => copy.Restore(new byte[] { 1, 0 }));
    }

    [Fact]
    public void A_frozen_image_keeps_the_state_it_was_frozen_at_while_the_guest_goes_on()
    {
        var guest = new KvGuest();
        Run(guest, KvCommand.Put("a", [1, 2, 3]));
        Run(guest, KvCommand.Put("b", [4]));
        var before = guest.Snapshot();
        var machine = new ReplicatedMachine(guest);
        var machineBefore = machine.Snapshot();
        var image = guest.Freeze();
        var machineImage = machine.Freeze();
        Run(guest, KvCommand.Put("a", [9]));
        Run(guest, KvCommand.Delete("b"));
        Run(guest, KvCommand.Put("c", [5]));
        Assert.Equal(before.Length, image.Length);
        Assert.Equal(before, image.ToArray());
        Assert.Equal(machineBefore, machineImage.ToArray());
        var restored = new ReplicatedMachine(new KvGuest());
        restored.Restore(machineImage.ToArray());
        Assert.Equal([1, 2, 3], ((KvGuest)restored.Guest).Entries["a"]);
        Assert.False(((KvGuest)restored.Guest).Entries.ContainsKey("c"));
    }

    [Fact]
    public void A_snapshot_streamed_from_disk_restores_the_same_state_and_damage_is_refused_as_from_memory()
    {
        var guest = new KvGuest();
        Run(guest, KvCommand.Put("a", [1, 2, 3]));
        Run(guest, KvCommand.Put("b", new byte[70_000]));
        Run(guest, KvCommand.Put("c", []));
        var snapshot = guest.Snapshot();
        // Not a MemoryStream: the stream path, as from a copy on disk.
        var streamed = new KvGuest();
        using (var stream = new BufferedStream(new MemoryStream(snapshot)))
            ((IGuest)streamed).Restore(stream, snapshot.Length);
        Assert.Equal(guest.Digest(), streamed.Digest());

        foreach (var damaged in new[] { snapshot[..^1], snapshot.Append((byte)0).ToArray(), new byte[] { 1, 0 } })
        {
            using var stream = new BufferedStream(new MemoryStream(damaged));
            Assert.ThrowsAny<Exception>(() => ((IGuest)new KvGuest()).Restore(stream, damaged.Length));
            Assert.Throws<InvalidDataException>(() => new KvGuest().Restore(damaged));
        }
        var machine = new ReplicatedMachine(guest);
        var image = machine.Snapshot();
        var restored = new ReplicatedMachine(new KvGuest());
        using (var stream = new BufferedStream(new MemoryStream(image))) restored.Restore(stream, image.Length);
        Assert.Equal(guest.Digest(), restored.Guest.Digest());
        Assert.Equal(machine.AppliedIndex, restored.AppliedIndex);
    }
}
