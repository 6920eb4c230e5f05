using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AkkaLockstep.Host.Disk;

/// <summary>
/// Opens a file for writes that bypass the page cache (Linux <c>O_DIRECT</c>). .NET has no option for it on Linux
/// (<see cref="FileOptions"/> has none that maps to it), so the file is opened with libc's <c>open</c>.
/// </summary>
internal static partial class DirectIo
{
    private const int WriteOnly = 0x1;
    private const int CloseOnExec = 0x80000;

    /// <summary>A write-only handle of an existing file whose writes go around the page cache; null where unavailable.</summary>
    public static SafeFileHandle? TryOpenForWriting(string path)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag() is not { } direct) return null;
        var fd = Open(path, WriteOnly | CloseOnExec | direct);
        // EINVAL: the file system does not take direct writes; anything else shows again on the ordinary handle.
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>O_DIRECT's value differs between architectures.</summary>
    private static int? DirectFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
