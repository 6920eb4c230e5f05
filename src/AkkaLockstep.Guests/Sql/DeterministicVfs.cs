using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// SQLite entry points that SQLitePCLRaw does not expose. They bind to the same native library
/// (<c>e_sqlite3</c>, shipped by Microsoft.Data.Sqlite's bundle) that SQLitePCLRaw loaded, so a VFS registered
/// here is visible to connections opened through Microsoft.Data.Sqlite.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    [LibraryImport(Library)]
    internal static partial SqliteVfs* sqlite3_vfs_find(byte* name);

    [LibraryImport(Library)]
    internal static partial int sqlite3_vfs_register(SqliteVfs* vfs, int makeDefault);

    [LibraryImport(Library)]
    internal static partial long sqlite3_changes64(IntPtr db);

    [LibraryImport(Library)]
    internal static partial long sqlite3_total_changes64(IntPtr db);

    [LibraryImport(Library)]
    internal static partial long sqlite3_last_insert_rowid(IntPtr db);

    [LibraryImport(Library)]
    internal static partial void sqlite3_set_last_insert_rowid(IntPtr db, long rowid);

    [LibraryImport(Library)]
    internal static partial IntPtr sqlite3_malloc64(ulong size);

    [LibraryImport(Library)]
    internal static partial void sqlite3_free(IntPtr pointer);
}

/// <summary>sqlite3_vfs, version 3 layout (all pointers kept opaque).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SqliteVfs
{
    public int iVersion;
    public int szOsFile;
    public int mxPathname;
    public IntPtr pNext;
    public IntPtr zName;
    public IntPtr pAppData;
    public IntPtr xOpen;
    public IntPtr xDelete;
    public IntPtr xAccess;
    public IntPtr xFullPathname;
    public IntPtr xDlOpen;
    public IntPtr xDlError;
    public IntPtr xDlSym;
    public IntPtr xDlClose;
    public IntPtr xRandomness;
    public IntPtr xSleep;
    public IntPtr xCurrentTime;
    public IntPtr xGetLastError;
    public IntPtr xCurrentTimeInt64;
    public IntPtr xSetSystemCall;
    public IntPtr xGetSystemCall;
    public IntPtr xNextSystemCall;
}

/// <summary>
/// The sql guest's clock. SQLite reads "now" (for <c>'now'</c> in every date/time function and for
/// <c>CURRENT_TIMESTAMP</c>/<c>CURRENT_DATE</c>/<c>CURRENT_TIME</c>, column defaults included) from its connection's
/// VFS, through <c>xCurrentTimeInt64</c>, once per statement run. The guest's connections use
/// <see cref="Name"/>: a copy of the platform's default VFS (so files, locking and everything else behave exactly
/// as before) whose two clock methods return the time of the input being applied — set on the applying thread by
/// <see cref="Enter"/> — instead of the host's wall clock. Outside an input the clock reads the Unix epoch.
/// </summary>
internal static unsafe class DeterministicVfs
{
    public const string Name = "akkalockstep-deterministic";

    /// <summary>Julian day number of 1970-01-01T00:00Z, in milliseconds (SQLite's own constant).</summary>
    private const long UnixEpochJulianMs = 24405875L * 8640000L;

    private static readonly object Gate = new();
    private static bool _registered;

    [ThreadStatic] private static long _nowUnixMs;

    /// <summary>The input time the clock reads on this thread.</summary>
    public static long NowUnixMs => _nowUnixMs;

    /// <summary>Registers the VFS once per process.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            var platform = SqliteNative.sqlite3_vfs_find(null);
            if (platform == null) throw new InvalidOperationException("SQLite has no default VFS");
            if (platform->iVersion < 2) throw new InvalidOperationException($"SQLite's default VFS is version {platform->iVersion}; need 2 or later");
            // Never freed: SQLite keeps a pointer to the registered VFS for the life of the process.
            var vfs = (SqliteVfs*)NativeMemory.AllocZeroed((nuint)sizeof(SqliteVfs));
            *vfs = *platform;
            vfs->pNext = IntPtr.Zero;
            vfs->zName = Marshal.StringToCoTaskMemUTF8(Name);
            vfs->xCurrentTime = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, double*, int>)&CurrentTime;
            vfs->xCurrentTimeInt64 = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, long*, int>)&CurrentTimeInt64;
            var rc = SqliteNative.sqlite3_vfs_register(vfs, 0);
            if (rc != 0) throw new InvalidOperationException($"registering the deterministic SQLite VFS failed ({rc})");
            _registered = true;
        }
    }

    /// <summary>Sets this thread's clock to an input's timestamp until the returned scope is disposed.</summary>
    public static ClockScope Enter(long unixMs)
    {
        var previous = _nowUnixMs;
        _nowUnixMs = unixMs;
        return new ClockScope(previous);
    }

    public readonly struct ClockScope(long previous) : IDisposable
    {
        public void Dispose() => _nowUnixMs = previous;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CurrentTimeInt64(IntPtr vfs, long* now)
    {
        *now = UnixEpochJulianMs + _nowUnixMs;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CurrentTime(IntPtr vfs, double* now)
    {
        *now = (UnixEpochJulianMs + _nowUnixMs) / 86400000.0;
        return 0;
    }
}
