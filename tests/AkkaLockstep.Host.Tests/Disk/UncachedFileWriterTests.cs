using AkkaLockstep.Host.Disk;

namespace AkkaLockstep.Host.Tests.Disk;

/// <summary>Writes around the page cache land the same bytes as ordinary ones, whatever their sizes and positions.</summary>
public sealed class UncachedFileWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lockstep-uncached-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pieces_of_any_size_continued_skipped_and_taken_up_again_read_back_as_written(bool direct)
    {
        var path = Path.Combine(_folder, "f");
        var expected = new byte[3_500_000];
        new Random(11).NextBytes(expected);
        var random = new Random(12);
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            // Front to back in odd sizes from an odd start, stopped, then taken up again at an odd place (a restart).
            var stop = 2_000_003;
            using (var writer = new UncachedFileWriter(path, file, direct))
            {
                Assert.Equal(direct && OperatingSystem.IsLinux(), writer.IsDirect);
                writer.Write(0, expected.AsSpan(0, 77));
                for (var at = 77; at < stop;)
                {
                    var size = Math.Min(random.Next(1, 300_000), stop - at);
                    writer.Write(at, expected.AsSpan(at, size));
                    at += size;
                }
                writer.Flush();
            }
            using (var writer = new UncachedFileWriter(path, file, direct))
            {
                for (var at = stop; at < expected.Length;)
                {
                    var size = Math.Min(random.Next(1, 1_500_000), expected.Length - at);
                    writer.Write(at, expected.AsSpan(at, size));
                    at += size;
                }
                // A write that does not continue the last one: what was staged goes first.
                writer.Write(4096 * 3 + 5, expected.AsSpan(4096 * 3 + 5, 10_000));
                writer.Flush();
            }
        }
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Nothing_staged_is_written_without_a_flush_and_a_flush_writes_it()
    {
        var path = Path.Combine(_folder, "g");
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);
        using var writer = new UncachedFileWriter(path, file);
        writer.Write(0, new byte[10_000]);
        if (writer.IsDirect) Assert.Equal(0, RandomAccess.GetLength(file));
        writer.Flush();
        Assert.Equal(10_000, RandomAccess.GetLength(file));
    }
}
