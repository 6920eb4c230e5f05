using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// Writes a file mostly front to back around the page cache (Linux <c>O_DIRECT</c>), through a block-aligned buffer of
/// its own. Writing a gigabyte through the page cache cost this machine up to 1.7 s of kernel time per GiB (pages taken
/// and filled, then written back), on the two cores a full copy shares with both replicas; around it, 0.1-0.2 s.
/// Direct writes take only whole blocks at block offsets: what does not fill a block (the end of the file, or a
/// write that does not continue the last one) goes through the ordinary handle it is given, whose start block is read
/// back so the next whole block is again written directly. Where direct writes are not available (another system, a
/// file system that refuses them) every write goes through that handle. Not thread-safe.
/// </summary>
public sealed unsafe class UncachedFileWriter : IDisposable
{
    /// <summary>The alignment direct writes need of offsets, lengths and memory (4 KiB covers every Linux disk).</summary>
    public const int BlockBytes = 4096;
    private const int StageBytes = 1 << 20;
    private readonly SafeFileHandle _file;
    private readonly SafeFileHandle? _direct;
    private readonly byte* _stage;
    /// <summary>Where in the file the stage's first byte goes (block-aligned), and how many bytes it holds.</summary>
    private long _stageAt;
    private int _staged;
    private bool _disposed;

    /// <param name="file">An open handle of <paramref name="path"/> that may read and write; not owned.</param>
    /// <param name="direct">False writes everything through <paramref name="file"/> (as where direct writes are unavailable).</param>
    public UncachedFileWriter(string path, SafeFileHandle file, bool direct = true)
    {
        _file = file;
        _direct = direct ? DirectIo.TryOpenForWriting(path) : null;
        if (_direct is not null) _stage = (byte*)NativeMemory.AlignedAlloc(StageBytes, BlockBytes);
    }

    /// <summary>Whether whole blocks go around the page cache.</summary>
    public bool IsDirect => _direct is not null;

    /// <summary>Writes <paramref name="data"/> at <paramref name="position"/>; on disk after <see cref="Flush"/> at the latest.</summary>
    /// <exception cref="IOException">The disk refused a write (full, failing): this one or an earlier one still staged.</exception>
    public void Write(long position, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_direct is null)
        {
            RandomAccess.Write(_file, data, position);
            return;
        }
        if (_staged > 0 && position != _stageAt + _staged) Flush();
        if (_staged == 0) StartStageAt(position);
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, StageBytes - _staged);
            data[..take].CopyTo(new Span<byte>(_stage + _staged, take));
            _staged += take;
            data = data[take..];
            if (_staged == StageBytes)
            {
                RandomAccess.Write(_direct, new ReadOnlySpan<byte>(_stage, StageBytes), _stageAt);
                _stageAt += StageBytes;
                _staged = 0;
            }
        }
    }

    /// <summary>Starts the stage at the block <paramref name="position"/> is in, with what the file holds before it.</summary>
    private void StartStageAt(long position)
    {
        var head = (int)(position % BlockBytes);
        _stageAt = position - head;
        var before = new Span<byte>(_stage, head);
        var read = head == 0 ? 0 : RandomAccess.Read(_file, before, _stageAt);
        before[read..].Clear();
        _staged = head;
    }

    /// <summary>Writes what is staged: its whole blocks directly, the rest through the ordinary handle.</summary>
    /// <exception cref="IOException">The disk refused a write.</exception>
    public void Flush()
    {
        if (_direct is null || _staged == 0) return;
        var whole = _staged / BlockBytes * BlockBytes;
        try
        {
            if (whole > 0) RandomAccess.Write(_direct, new ReadOnlySpan<byte>(_stage, whole), _stageAt);
            if (_staged > whole) RandomAccess.Write(_file, new ReadOnlySpan<byte>(_stage + whole, _staged - whole), _stageAt + whole);
        }
        finally
        {
            // Lost on a failure either way: the caller gives the file up.
            _staged = 0;
        }
    }

    /// <summary>Closes the direct handle and frees the stage; what is still staged is not written (call <see cref="Flush"/>).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _direct?.Dispose();
        if (_stage != null) NativeMemory.AlignedFree(_stage);
    }
}
