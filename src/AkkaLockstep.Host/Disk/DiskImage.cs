using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// A replica's disk at one applied index: the machine state (guest, sessions, hash chain) in one file whose header
/// holds the applied index, the payload's length and its SHA-256. The file is written beside its final name, made
/// durable and renamed into place, so a disk file is either whole or absent; the header is checked on every read,
/// so a truncated or damaged file is refused instead of loaded.
/// </summary>
public static class DiskImage
{
    private static readonly byte[] Magic = "LSDISK01"u8.ToArray();
    public const int HeaderBytes = 8 + 8 + 8 + 32;

    /// <summary>The file name of the disk at <paramref name="index"/>.</summary>
    public static string FileName(long index) => $"disk-{index:D20}.img";

    /// <summary>Writes the disk at <paramref name="index"/> into <paramref name="folder"/> atomically; returns its digest.</summary>
    public static byte[] Write(string folder, long index, ReadOnlySpan<byte> payload)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName(index));
        var temporary = path + ".tmp";
        var digest = SHA256.HashData(payload);
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), index);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), payload.Length);
        digest.CopyTo(header, 24);
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            file.Write(header);
            file.Write(payload);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(folder);
        return digest;
    }

    /// <summary>Reads and checks a disk file: its applied index and payload.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, not a disk, or its payload fails the checksum.</exception>
    public static (long Index, byte[] Payload) Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var header = new byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a disk file (bad or truncated header)");
        var index = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
        var length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        if (length < 0 || length > Array.MaxLength || length != file.Length - HeaderBytes)
            throw new InvalidDataException($"{path} is truncated or damaged: the header announces {length} bytes, the file holds {file.Length - HeaderBytes}");
        var payload = new byte[length];
        file.ReadExactly(payload);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(header.AsSpan(24, 32)))
            throw new InvalidDataException($"{path} is damaged: its contents fail the checksum");
        return (index, payload);
    }
}
