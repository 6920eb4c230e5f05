using AkkaLockstep.Host.Disk;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host.Tests.Disk;

public sealed class DiskImageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lockstep-disk-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Payload(int length)
    {
        var payload = new byte[length];
        new Random(7).NextBytes(payload);
        return payload;
    }

    [Fact]
    public void A_disk_reads_back_with_its_index_and_leaves_no_temporary_file()
    {
        var payload = Payload(100_000);
        var digest = DiskImage.Write(_folder, 42, new BytesImage(payload));
        var (index, read) = DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(42)));
        Assert.Equal(42, index);
        Assert.Equal(payload, read);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(payload), digest);
        Assert.Equal([DiskImage.FileName(42)], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_truncated_disk_is_refused()
    {
        DiskImage.Write(_folder, 1, new BytesImage(Payload(5000)));
        var path = Path.Combine(_folder, DiskImage.FileName(1));
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(file.Length - 1);
        var error = Assert.Throws<InvalidDataException>(() => DiskImage.Read(path));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_disk_with_one_flipped_bit_fails_its_checksum()
    {
        DiskImage.Write(_folder, 1, new BytesImage(Payload(5000)));
        var path = Path.Combine(_folder, DiskImage.FileName(1));
        var bytes = File.ReadAllBytes(path);
        bytes[DiskImage.HeaderBytes + 1234] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => DiskImage.Read(path));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_disk_is_refused()
    {
        var path = Path.Combine(_folder, "other.img");
        File.WriteAllText(path, "hello");
        Assert.Throws<InvalidDataException>(() => DiskImage.Read(path));
        File.WriteAllBytes(path, new byte[DiskImage.HeaderBytes + 10]);
        Assert.Throws<InvalidDataException>(() => DiskImage.Read(path));
    }

    [Fact]
    public void A_disk_of_the_first_format_with_its_payload_right_after_the_header_fields_is_still_read_and_sent()
    {
        var payload = Payload(9000);
        var path = Path.Combine(_folder, DiskImage.FileName(5));
        var digest = System.Security.Cryptography.SHA256.HashData(payload);
        var header = DiskImage.Header(5, payload.Length, digest)[..DiskImage.HeaderFieldBytes];
        "LSDISK01"u8.CopyTo(header);
        File.WriteAllBytes(path, [.. header, .. payload]);

        var (index, read) = DiskImage.Read(path);
        Assert.Equal(5, index);
        Assert.Equal(payload, read);
        using var source = DiskFileCopySource.Open(path);
        Assert.Equal((5L, (long)payload.Length), (source.Index, source.Length));
        Assert.Equal(digest, source.Digest);
        Assert.Equal(payload.AsSpan(8000, 1000), source.Read(8000, 1000).Span);
    }

    [Fact]
    public void A_disk_this_version_writes_starts_its_payload_at_a_block_boundary()
    {
        var payload = Payload(5000);
        DiskImage.Write(_folder, 3, new BytesImage(payload));
        var bytes = File.ReadAllBytes(Path.Combine(_folder, DiskImage.FileName(3)));
        Assert.Equal("LSDISK02"u8, bytes.AsSpan(0, 8));
        Assert.Equal(0, DiskImage.HeaderBytes % UncachedFileWriter.BlockBytes);
        Assert.Equal(payload, bytes[DiskImage.HeaderBytes..]);
    }

    [Fact]
    public void A_missing_disk_is_an_io_error()
    {
        Assert.Throws<FileNotFoundException>(() => DiskImage.Read(Path.Combine(_folder, DiskImage.FileName(9))));
    }
}
