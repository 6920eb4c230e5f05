using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// Where the sql guest's database lives: the one place that builds connection strings and moves whole database
/// images in and out. For now every database is in memory: an image loaded with <c>sqlite3_deserialize</c> (an
/// empty one for a new guest, so fresh and restored guests store pages the same way) and saved with
/// <c>sqlite3_serialize</c>. Moving guest storage to disk files changes this class only.
/// </summary>
internal static class SqlGuestStorage
{
    private const int DeserializeFreeOnClose = 1, DeserializeResizeable = 2;

    private static long _connections;

    /// <summary>Connection string for a new private database using the deterministic VFS.</summary>
    public static string ConnectionString(string purpose)
    {
        var name = $"akkalockstep-{purpose}-{Interlocked.Increment(ref _connections)}";
        return new SqliteConnectionStringBuilder
        {
            DataSource = $"file:{name}?mode=memory&vfs={DeterministicVfs.Name}",
            Pooling = false,
        }.ToString();
    }

    public static SqliteConnection Open(string purpose)
    {
        DeterministicVfs.EnsureRegistered();
        var connection = new SqliteConnection(ConnectionString(purpose));
        connection.Open();
        return connection;
    }

    /// <summary>The main database's image (its pages as SQLite sees them through this connection).</summary>
    public static byte[] Save(sqlite3 db)
    {
        var pointer = raw.sqlite3_serialize(db, "main", out var size, 0);
        if (pointer == IntPtr.Zero)
        {
            if (size <= 0) return [];
            throw new InvalidOperationException($"serializing the sql guest database failed: {raw.sqlite3_errmsg(db).utf8_to_string()}");
        }
        try
        {
            var image = new byte[size];
            Marshal.Copy(pointer, image, 0, image.Length);
            return image;
        }
        finally
        {
            SqliteNative.sqlite3_free(pointer);
        }
    }

    /// <summary>Throws <see cref="InvalidDataException"/> unless SQLite can load the image and read its schema.</summary>
    public static void Validate(ReadOnlySpan<byte> image)
    {
        using var scratch = Open("validate");
        var db = scratch.Handle!;
        try
        {
            Load(db, image);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"sql guest snapshot holds no valid database: {e.Message}");
        }
        if (raw.sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema") != raw.SQLITE_OK)
            throw new InvalidDataException($"sql guest snapshot holds no valid database: {raw.sqlite3_errmsg(db).utf8_to_string()}");
    }

    /// <summary>Replaces the main database with an image from <see cref="Save"/> (empty: a new, empty database).</summary>
    public static void Load(sqlite3 db, ReadOnlySpan<byte> image)
    {
        var pointer = IntPtr.Zero;
        if (!image.IsEmpty)
        {
            pointer = SqliteNative.sqlite3_malloc64((ulong)image.Length);
            if (pointer == IntPtr.Zero) throw new OutOfMemoryException("SQLite could not allocate the database image");
            unsafe { image.CopyTo(new Span<byte>((void*)pointer, image.Length)); }
        }
        // On failure SQLite frees the buffer itself (FREEONCLOSE).
        var rc = raw.sqlite3_deserialize(db, "main", pointer, image.Length, image.Length, DeserializeFreeOnClose | DeserializeResizeable);
        if (rc != raw.SQLITE_OK)
            throw new InvalidOperationException($"loading the sql guest database failed ({rc}): {raw.sqlite3_errmsg(db).utf8_to_string()}");
    }
}
