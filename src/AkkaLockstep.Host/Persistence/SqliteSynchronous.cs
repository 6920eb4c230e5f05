namespace AkkaLockstep.Host.Persistence;

/// <summary>
/// How hard the SQLite journal pushes each commit to disk (SQLite's <c>PRAGMA synchronous</c> in WAL mode).
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// A commit is in the OS page cache when acknowledged: it survives a crash or SIGKILL of the
    /// process, not a power loss or kernel crash. The WAL is fsynced at checkpoints only.
    /// </summary>
    Normal,

    /// <summary>The WAL is fsynced at every commit: an acknowledged write also survives power loss.</summary>
    Full,
}
