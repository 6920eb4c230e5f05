using AkkaLockstep.Protocol;
using Microsoft.Win32.SafeHandles;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// A durable disk file sent as a full copy, read piece by piece as the copy goes: the header's SHA-256 is the
/// copy's digest, so nothing is captured or hashed on the replica's thread. The file stays open for the copy, so a
/// newer checkpoint removing it meanwhile does not cut the copy short (on Windows the file is opened to allow that).
/// </summary>
public sealed class DiskFileCopySource : CopySource
{
    private readonly SafeFileHandle _file;
    private readonly string _name;
    private readonly int _payloadAt;

    private DiskFileCopySource(SafeFileHandle file, string name, long index, long length, byte[] digest, int payloadAt)
    {
        _file = file;
        _name = name;
        _payloadAt = payloadAt;
        Index = index;
        Length = length;
        Digest = digest;
    }

    /// <exception cref="IOException">The file cannot be opened, or its header is not a disk's.</exception>
    public static DiskFileCopySource Open(string path)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException(e.Message, e);
        }
        try
        {
            var header = new byte[DiskImage.HeaderFieldBytes];
            var read = RandomAccess.Read(file, header, 0);
            var (index, length, digest, payloadAt) = DiskImage.ReadHeader(header.AsSpan(0, read), RandomAccess.GetLength(file), path);
            return new DiskFileCopySource(file, Path.GetFileName(path), index, length, digest, payloadAt);
        }
        catch (InvalidDataException e)
        {
            file.Dispose();
            throw new IOException(e.Message, e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public override long Index { get; }
    public override long Length { get; }
    public override byte[] Digest { get; }
    public override string Description => $"the disk file {_name}";
    public override bool IsDiskFile => true;

    public override ReadOnlyMemory<byte> Read(long offset, int size)
    {
        if (offset < 0 || size < 0 || offset + size > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{offset}+{size} is outside {_name}'s {Length} bytes");
        var piece = new byte[size];
        for (var filled = 0; filled < size;)
        {
            var read = RandomAccess.Read(_file, piece.AsSpan(filled), _payloadAt + offset + filled);
            if (read == 0) throw new IOException($"{_name} ends before the {Length} bytes its header announces");
            filled += read;
        }
        return piece;
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }
}
