using System.Security.Cryptography;
using AkkaLockstep.Host.Disk;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host.Tests.Disk;

/// <summary>A disk file sent as a full copy, read piece by piece.</summary>
public sealed class DiskFileCopySourceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lockstep-copy-source-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (string Path, byte[] Payload) WriteDisk(long index, int length)
    {
        var payload = new byte[length];
        new Random(11).NextBytes(payload);
        DiskImage.Write(_folder, index, new BytesImage(payload));
        return (Path.Combine(_folder, DiskImage.FileName(index)), payload);
    }

    [Fact]
    public void Pieces_read_back_the_payload_and_the_digest_is_the_headers()
    {
        var (path, payload) = WriteDisk(77, 300_000);
        using var source = DiskFileCopySource.Open(path);
        Assert.Equal(77, source.Index);
        Assert.Equal(payload.Length, source.Length);
        Assert.Equal(SHA256.HashData(payload), source.Digest);
        Assert.Equal($"the disk file {DiskImage.FileName(77)}", source.Description);
        var read = new List<byte>();
        for (long offset = 0; offset < source.Length; offset += 65_536)
            read.AddRange(source.Read(offset, (int)Math.Min(65_536, source.Length - offset)).ToArray());
        Assert.Equal(payload, read.ToArray());
    }

    [Fact]
    public void A_copy_under_way_still_reads_a_disk_that_a_newer_checkpoint_removed()
    {
        var (path, payload) = WriteDisk(5, 10_000);
        using var source = DiskFileCopySource.Open(path);
        File.Delete(path);
        Assert.Equal(payload.AsSpan(9_000).ToArray(), source.Read(9_000, 1_000).ToArray());
    }

    [Fact]
    public void A_file_that_is_not_a_whole_disk_is_refused_with_an_io_error()
    {
        var (path, _) = WriteDisk(6, 10_000);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(file.Length - 10);
        Assert.Contains("truncated", Assert.Throws<IOException>(() => DiskFileCopySource.Open(path)).Message);
        File.WriteAllText(path, "not a disk");
        Assert.Contains("not a disk file", Assert.Throws<IOException>(() => DiskFileCopySource.Open(path)).Message);
        Assert.Throws<FileNotFoundException>(() => DiskFileCopySource.Open(Path.Combine(_folder, "missing.img")));
    }

    [Fact]
    public void A_file_cut_short_after_it_was_opened_fails_the_read_with_an_io_error()
    {
        var (path, _) = WriteDisk(8, 10_000);
        using var source = DiskFileCopySource.Open(path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) file.SetLength(5_000);
        Assert.Contains("ends before", Assert.Throws<IOException>(() => source.Read(8_000, 2_000)).Message);
    }
}
