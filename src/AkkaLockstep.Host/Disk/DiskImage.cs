using System.Buffers.Binary;
using System.Security.Cryptography;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// A replica's disk at one applied index: the machine state (guest, sessions, hash chain) in one file whose header
/// holds the applied index, the payload's length and its SHA-256. The file is written beside its final name, made
/// durable and renamed into place, so a disk file is either whole or absent; the header is checked on every read,
/// so a truncated or damaged file is refused instead of loaded. The header is padded to a block (format LSDISK02), so
/// the payload can be written around the page cache, which takes only block-aligned offsets (<see cref="UncachedFileWriter"/>);
/// files of the first format (LSDISK01, payload right after the 56 header bytes) are still read.
/// </summary>
public static class DiskImage
{
    private static readonly byte[] Magic = "LSDISK02"u8.ToArray();
    private static readonly byte[] FirstMagic = "LSDISK01"u8.ToArray();
    /// <summary>What a header says: magic, applied index, payload length, payload SHA-256.</summary>
    public const int HeaderFieldBytes = 8 + 8 + 8 + 32;
    /// <summary>Where the payload starts in the files this version writes.</summary>
    public const int HeaderBytes = UncachedFileWriter.BlockBytes;

    /// <summary>The file name of the disk at <paramref name="index"/>.</summary>
    public static string FileName(long index) => $"disk-{index:D20}.img";

    /// <summary>
    /// Writes the disk at <paramref name="index"/> into <paramref name="folder"/> atomically, streaming the image and
    /// hashing it on the way (nothing the size of the state is built in memory); returns its digest.
    /// </summary>
    public static byte[] Write(string folder, long index, StateImage image)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName(index));
        var temporary = path + ".tmp";
        byte[] digest;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            // The digest goes into the header once the payload is written.
            file.Write(Header(index, image.Length, new byte[32]));
            var written = 0L;
            image.WriteTo(block =>
            {
                hash.AppendData(block);
                file.Write(block);
                written += block.Length;
            });
            if (written != image.Length)
                throw new InvalidOperationException($"the state image announced {image.Length} bytes and wrote {written}");
            digest = hash.GetHashAndReset();
            file.Position = 24;
            file.Write(digest);
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
        var header = new byte[HeaderFieldBytes];
        var (index, length, digest, payloadAt) = ReadHeader(header.AsSpan(0, file.ReadAtLeast(header, HeaderFieldBytes, throwOnEndOfStream: false)),
            file.Length, path);
        file.Position = payloadAt;
        var payload = new byte[length];
        file.ReadExactly(payload);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(digest))
            throw new InvalidDataException($"{path} is damaged: its contents fail the checksum");
        return (index, payload);
    }

    /// <summary>
    /// The header of the disk at <paramref name="index"/> whose payload has <paramref name="length"/> bytes and SHA-256
    /// <paramref name="digest"/>, padded with zeros to <see cref="HeaderBytes"/>.
    /// </summary>
    public static byte[] Header(long index, long length, byte[] digest)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), index);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), length);
        digest.CopyTo(header, 24);
        return header;
    }

    /// <summary>The applied index, payload length, payload SHA-256 and payload position a disk file's header announces.</summary>
    /// <param name="header">The file's first <see cref="HeaderFieldBytes"/> (or fewer, if it is shorter).</param>
    /// <exception cref="InvalidDataException">Not a disk file, or its length differs from what the header announces.</exception>
    public static (long Index, long Length, byte[] Digest, int PayloadAt) ReadHeader(ReadOnlySpan<byte> header, long fileLength, string path)
    {
        var (index, length, digest, payloadAt) = ParseHeader(header, path);
        if (length != fileLength - payloadAt)
            throw new InvalidDataException($"{path} is truncated or damaged: the header announces {length} bytes, the file holds {fileLength - payloadAt}");
        return (index, length, digest, payloadAt);
    }

    /// <summary>What a header announces, whatever the file holds after it (a copy still arriving holds less).</summary>
    /// <exception cref="InvalidDataException">Not a disk file's header.</exception>
    public static (long Index, long Length, byte[] Digest, int PayloadAt) ParseHeader(ReadOnlySpan<byte> header, string path)
    {
        if (header.Length < HeaderFieldBytes)
            throw new InvalidDataException($"{path} is not a disk file (bad or truncated header)");
        var payloadAt = header[..8].SequenceEqual(Magic) ? HeaderBytes
            : header[..8].SequenceEqual(FirstMagic) ? HeaderFieldBytes
            : throw new InvalidDataException($"{path} is not a disk file (bad or truncated header)");
        var index = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var length = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (length < 0 || length > Array.MaxLength) throw new InvalidDataException($"{path} announces an impossible length ({length} bytes)");
        return (index, length, header.Slice(24, 32).ToArray(), payloadAt);
    }
}
