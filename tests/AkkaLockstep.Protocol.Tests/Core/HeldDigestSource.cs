using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>
/// A frozen state as the host sends it (an <see cref="ImageCopySource"/>), hashed at once so that tests and seeds
/// replay exactly, whose digest counts as known only once <paramref name="ready"/> says so: the host's hashing thread,
/// under the test's control.
/// </summary>
public sealed class HeldDigestSource(long index, StateImage image, Func<bool> ready) : CopySource
{
    private readonly ImageCopySource _inner = Hashed(index, image);

    /// <summary>An image source whose digest is already known.</summary>
    public static ImageCopySource Hashed(long index, StateImage image)
    {
        var source = new ImageCopySource(index, image);
        Assert.True(SpinWait.SpinUntil(() => source.Ready, TimeSpan.FromSeconds(30)), "the frozen state's digest was never computed");
        return source;
    }

    public override long Index => _inner.Index;
    public override long Length => _inner.Length;
    public override bool Ready => ready();
    public override byte[] Digest => Ready ? _inner.Digest : throw new InvalidOperationException("the digest was read before it was known");
    public override string Description => _inner.Description;
    public override ReadOnlyMemory<byte> Read(long offset, int size) => _inner.Read(offset, size);

    public override void Dispose()
    {
        _inner.Dispose();
        base.Dispose();
    }
}
