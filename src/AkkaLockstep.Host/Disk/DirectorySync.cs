using System.Runtime.InteropServices;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// fsync of a folder, so a file renamed into it survives a power loss (.NET has no API for it). Elsewhere than
/// Linux it does nothing: a lost rename there makes a disk look missing, which a full copy from the peer repairs.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0, Directory = 0x10000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(folder, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"cannot open {folder} to make a rename durable (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of {folder} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }
}
