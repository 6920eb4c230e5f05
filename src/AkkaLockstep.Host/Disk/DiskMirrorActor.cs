using Akka.Actor;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// One replica's disk: writes the replica's checkpoints as disk files (see <see cref="DiskImage"/>) on its own
/// thread, so a large state being made durable does not stop the replica answering its peer and clients, and
/// removes the files no durable snapshot names any more.
/// </summary>
public sealed class DiskMirrorActor : ReceiveActor
{
    /// <summary>
    /// Make the machine state at Index durable as the replica's disk; answered with <see cref="DiskWritten"/> or
    /// <see cref="DiskWriteFailed"/>, which echo Generation (the replica's count of installed full copies: a checkpoint
    /// and a full copy at the same index write the same file, and only the answer tells them apart).
    /// </summary>
    public sealed record WriteDisk(long Index, StateImage Image, long Generation);

    public sealed record DiskWritten(long Index, string File, long Bytes, byte[] Digest, long Generation);

    public sealed record DiskWriteFailed(long Index, string Error, long Generation);

    /// <summary>
    /// The replica's durable snapshot names one of these disks, and the others are being written or saved: every
    /// other disk file goes (left over from older checkpoints, or from a crash half-way through writing one).
    /// </summary>
    public sealed record KeepOnly(IReadOnlyCollection<long> Indexes);

    public const string Dispatcher = "lockstep-disk-dispatcher";

    public static Props Props(string folder) => Akka.Actor.Props.Create(() => new DiskMirrorActor(folder)).WithDispatcher(Dispatcher);

    public DiskMirrorActor(string folder)
    {
        Receive<WriteDisk>(write =>
        {
            try
            {
                var digest = DiskImage.Write(folder, write.Index, write.Image);
                Sender.Tell(new DiskWritten(write.Index, DiskImage.FileName(write.Index), DiskImage.HeaderBytes + write.Image.Length, digest,
                    write.Generation));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryDelete(Path.Combine(folder, DiskImage.FileName(write.Index) + ".tmp"));
                Sender.Tell(new DiskWriteFailed(write.Index, e.Message, write.Generation));
            }
        });
        Receive<KeepOnly>(keep =>
        {
            if (!Directory.Exists(folder)) return;
            var names = keep.Indexes.Select(DiskImage.FileName).ToHashSet();
            // A copy still arriving is the copy's to keep or replace.
            foreach (var file in Directory.EnumerateFiles(folder, "disk-*"))
                if (!names.Contains(Path.GetFileName(file)) && !DiskFileCopySink.IsPartial(file)) TryDelete(file);
        });
    }

    // A file that cannot be removed now is removed after the next checkpoint.
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
