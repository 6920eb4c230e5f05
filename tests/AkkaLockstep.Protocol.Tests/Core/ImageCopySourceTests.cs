using System.Security.Cryptography;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>A frozen state read as a full copy: the same bytes and digest as its snapshot, whatever the pieces.</summary>
public sealed class ImageCopySourceTests
{
    private static (StateImage Image, byte[] Bytes) KvState(int seed)
    {
        var random = new Random(seed);
        var guest = new KvGuest();
        var context = new InputContext();
        for (var i = 0; i < random.Next(0, 200); i++)
        {
            var value = new byte[random.Next(0, 3000)];
            random.NextBytes(value);
            guest.Apply(KvCommand.Put($"key{random.Next(1000)}", value).Encode(), context);
        }
        var image = guest.Freeze();
        return (image, image.ToArray());
    }

    private static void WaitReady(CopySource source) =>
        Assert.True(SpinWait.SpinUntil(() => source.Ready, TimeSpan.FromSeconds(30)), "the digest was never computed");

    [Fact]
    public void Its_digest_is_the_snapshots_SHA256_and_pieces_read_in_any_order_are_the_snapshots_bytes()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var (image, bytes) = KvState(seed);
            using var source = new ImageCopySource(7, image);
            WaitReady(source);
            Assert.Equal(bytes.Length, source.Length);
            Assert.Equal(SHA256.HashData(bytes), source.Digest);
            var random = new Random(seed);
            var offset = 0L;
            while (offset < bytes.Length)
            {
                var size = (int)Math.Min(random.Next(1, 5000), bytes.Length - offset);
                Assert.True(bytes.AsSpan((int)offset, size).SequenceEqual(source.Read(offset, size).Span), $"seed {seed}: piece at {offset}");
                // Now and then a resend from further back, or a skip ahead, as after a lost piece.
                offset = random.Next(10) switch
                {
                    0 => random.NextInt64(0, offset + 1),
                    1 => Math.Min(bytes.Length, offset + size + random.Next(0, 3000)),
                    _ => offset + size,
                };
            }
        }
    }

    [Fact]
    public void A_piece_outside_the_state_is_refused()
    {
        var (image, bytes) = KvState(3);
        using var source = new ImageCopySource(1, image);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Read(bytes.Length - 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Read(-1, 1));
    }

    [Fact]
    public void The_frozen_state_does_not_change_with_writes_after_it()
    {
        var guest = new KvGuest();
        var context = new InputContext();
        guest.Apply(KvCommand.Put("a", [1, 2, 3]).Encode(), context);
        var image = guest.Freeze();
        var before = image.ToArray();
        using var source = new ImageCopySource(1, image);
        guest.Apply(KvCommand.Put("a", [9, 9, 9, 9]).Encode(), context);
        guest.Apply(KvCommand.Put("b", [4]).Encode(), context);
        WaitReady(source);
        Assert.Equal(SHA256.HashData(before), source.Digest);
        Assert.Equal(before, source.Read(0, before.Length).ToArray());
    }
}
