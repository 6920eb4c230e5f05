using AkkaLockstep.Protocol;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// A full copy received straight into the replica's disk file: <c>disk-INDEX.img.partial</c> gets the disk header
/// (index and length are known from the first piece, the digest from the first piece that carries it: its place in the
/// header stays zero until then) and each piece at its place as it arrives. Complete and
/// verified, the guest restores from the file and it is made durable and renamed into place, so the copy is neither
/// held in memory beside the state made from it nor written again. A replica that restarts during a copy finds the
/// partial file of the same copy and goes on from what it holds (each piece was checked on arrival; the whole is
/// checked against the digest at the end). Only one copy per VM is kept: opening one removes the partial files of
/// others. A failing disk (full, read-only) is reported as <see cref="CopySink.Problem"/>.
/// Pieces are built from and written by a thread of their own, in order, while the replica's thread checks and hashes
/// the next ones; at most <see cref="QueuedPieces"/> wait. Building is most of a copy's cost on the receiving host: the
/// state's memory is new to the process, and on the benchmark machine's virtual machine touching a fresh gigabyte cost
/// 2.8 s of one core; on the replica's thread it capped the copy. Pieces are written around the page cache
/// (<see cref="UncachedFileWriter"/>): the copy is read back only if the state was not built as it arrived. A write
/// that fails is reported by a later piece or when the copy is made durable.
/// </summary>
public sealed class DiskFileCopySink : CopySink
{
    private const string PartialSuffix = ".partial";
    private const int QueuedPieces = 16;
    private const long FlushEveryBytes = 64 << 20;
    private readonly string _folder;
    private readonly string _path;
    private SafeFileHandle? _file;
    private readonly bool _direct;
    private readonly BlockingCollection<(long Offset, ReadOnlyMemory<byte> Piece)> _writes = new(QueuedPieces);
    private Task? _writer;
    private volatile string? _writeProblem;
    private bool _disposed;

    private DiskFileCopySink(string folder, long index, long length, byte[] digest, bool direct) : base(index, length, digest)
    {
        _folder = folder;
        _direct = direct;
        _path = Path.Combine(folder, DiskImage.FileName(index) + PartialSuffix);
    }

    /// <summary>Whether <paramref name="fileName"/> is a copy still arriving (a checkpoint's clean-up leaves it alone).</summary>
    public static bool IsPartial(string fileName) => fileName.EndsWith(PartialSuffix, StringComparison.Ordinal);

    /// <param name="direct">False writes through the page cache (as where direct writes are unavailable).</param>
    /// <exception cref="IOException">The folder or file cannot be created.</exception>
    public static DiskFileCopySink Open(string folder, long index, long length, byte[] digest, bool direct = true)
    {
        Directory.CreateDirectory(folder);
        var sink = new DiskFileCopySink(folder, index, length, digest, direct);
        foreach (var other in Directory.EnumerateFiles(folder, "*" + PartialSuffix))
            if (other != sink._path) File.Delete(other);
        try
        {
            sink.OpenOrResume();
        }
        catch
        {
            sink.Dispose();
            throw;
        }
        return sink;
    }

    private void OpenOrResume()
    {
        if (File.Exists(_path))
        {
            _file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
            if (SameCopy()) return;
            _file.Dispose();
        }
        _file = File.OpenHandle(_path, FileMode.Create, FileAccess.ReadWrite);
        WriteHeader();
    }

    private void WriteHeader() => RandomAccess.Write(_file!, DiskImage.Header(Index, Length, Digest.Length > 0 ? Digest : new byte[SHA256.HashSizeInBytes]), 0);

    protected override void DigestLearned()
    {
        if (_file is null) return;
        try
        {
            WriteHeader();
        }
        catch (IOException e)
        {
            Problem = $"writing the header of {Path.GetFileName(_path)} failed: {e.Message}";
        }
    }

    /// <summary>Counts what an earlier try of this same copy left in the file; false for another copy's or a damaged file.</summary>
    private bool SameCopy()
    {
        var header = new byte[DiskImage.HeaderFieldBytes];
        if (RandomAccess.Read(_file!, header, 0) < header.Length) return false;
        try
        {
            var (index, length, digest, payloadAt) = DiskImage.ParseHeader(header, _path);
            var known = digest.AsSpan().ContainsAnyExcept((byte)0) ? digest : [];
            // An earlier version's file lays the payload out elsewhere: started again.
            if (index != Index || length != Length || payloadAt != DiskImage.HeaderBytes || !DigestAgrees(known)) return false;
            LearnDigest(known);
        }
        catch (InvalidDataException)
        {
            return false;
        }
        var held = Math.Min(Length, RandomAccess.GetLength(_file!) - DiskImage.HeaderBytes);
        var block = new byte[1 << 20];
        for (long offset = 0; offset < held;)
        {
            var read = RandomAccess.Read(_file!, block.AsSpan(0, (int)Math.Min(block.Length, held - offset)), DiskImage.HeaderBytes + offset);
            if (read == 0) break;
            Resume(block.AsSpan(0, read));
            offset += read;
        }
        return true;
    }

    protected override void Store(long offset, ReadOnlyMemory<byte> piece)
    {
        if (_file is null) return;
        if (_writeProblem is not null)
        {
            Discard();
            return;
        }
        // A thread of its own: the replica's thread waits for it when the queue is full.
        _writer ??= Task.Factory.StartNew(WriteQueuedPieces, TaskCreationOptions.LongRunning);
        _writes.Add((offset, piece));
    }

    private void WriteQueuedPieces()
    {
        var file = _file!;
        using var output = new UncachedFileWriter(_path, file, _direct);
        var unflushed = 0L;
        foreach (var (offset, piece) in _writes.GetConsumingEnumerable())
        {
            try
            {
                BuildOrDrop(piece.Span);
                if (_writeProblem is null)
                {
                    output.Write(DiskImage.HeaderBytes + offset, piece.Span);
                    // Flushed as it arrives, so that making the whole copy durable at its end (which holds up the last
                    // acknowledgement) flushes only the last stretch, not a gigabyte at once.
                    unflushed += piece.Length;
                    if (unflushed >= FlushEveryBytes)
                    {
                        RandomAccess.FlushToDisk(file);
                        unflushed = 0;
                    }
                }
            }
            catch (IOException e)
            {
                _writeProblem = $"writing {Path.GetFileName(_path)} failed: {e.Message}";
            }
            finally
            {
                // The last use of the piece: hashed before it was queued.
                PooledPiece.Release(piece);
            }
        }
        try
        {
            if (_writeProblem is null) output.Flush();
        }
        catch (IOException e)
        {
            _writeProblem = $"writing {Path.GetFileName(_path)} failed: {e.Message}";
        }
    }

    /// <summary>
    /// Builds from a piece on this thread; a builder that throws is dropped like one that reports a problem (the
    /// state is then restored from the whole copy, which says what is wrong), so this thread goes on writing.
    /// </summary>
    private void BuildOrDrop(ReadOnlySpan<byte> piece)
    {
        try
        {
            Build(piece);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Builder = null;
        }
    }

    protected override bool BuildsWhenStoring => true;

    protected override void Settle() => WriteQueued();

    /// <summary>Waits until every queued piece is built from and written (no more are taken after); false if a write failed.</summary>
    private bool WriteQueued()
    {
        if (_writer is { } writer)
        {
            if (!_writes.IsAddingCompleted) _writes.CompleteAdding();
            writer.GetAwaiter().GetResult();
        }
        if (_writeProblem is null) return true;
        Problem = _writeProblem;
        return false;
    }

    public override Stream OpenState()
    {
        if (!WriteQueued()) throw new IOException(Problem);
        var state = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20);
        state.Position = DiskImage.HeaderBytes;
        return state;
    }

    public override bool MakeDurable()
    {
        if (_file is null) return false;
        if (!WriteQueued())
        {
            Discard();
            return false;
        }
        try
        {
            RandomAccess.FlushToDisk(_file);
            _file.Dispose();
            _file = null;
            File.Move(_path, Path.Combine(_folder, DiskImage.FileName(Index)), overwrite: true);
            DirectorySync.Flush(_folder);
            return true;
        }
        catch (IOException e)
        {
            Problem = $"making {Path.GetFileName(_path)} durable failed: {e.Message}";
            Discard();
            return false;
        }
    }

    protected override void Discard()
    {
        WriteQueued();
        _file?.Dispose();
        _file = null;
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // Replaced or removed with the next copy of this VM.
        }
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        WriteQueued();
        _file?.Dispose();
        _file = null;
        _writes.Dispose();
        base.Dispose();
    }
}
