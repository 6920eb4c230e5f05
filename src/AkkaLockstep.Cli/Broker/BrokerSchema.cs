namespace AkkaLockstep.Cli.Broker;

/// <summary>
/// The broker database (SQLite's SQL, one statement per string). The constraints carry the broker's rules: a
/// log-on is identified by the id its client generated, a user has at most one active session, and a desktop at
/// most one active assignment.
/// </summary>
public static class BrokerSchema
{
    /// <summary>Drops an earlier run's tables (children first, for the foreign keys) and creates them afresh.</summary>
    public static readonly IReadOnlyList<string> Create =
    [
        "DROP TABLE IF EXISTS assignments",
        "DROP TABLE IF EXISTS sessions",
        "DROP TABLE IF EXISTS users",
        "DROP TABLE IF EXISTS desktops",
        "DROP TABLE IF EXISTS desktop_groups",
        "CREATE TABLE desktop_groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE desktops (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, group_id INTEGER NOT NULL REFERENCES desktop_groups(id))",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, group_id INTEGER NOT NULL REFERENCES desktop_groups(id))",
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            logon_id TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id),
            desktop_id INTEGER NOT NULL REFERENCES desktops(id),
            started_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            last_seen TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            heartbeats INTEGER NOT NULL DEFAULT 0,
            ended_at TEXT)
        """,
        "CREATE UNIQUE INDEX one_active_session_per_user ON sessions(user_id) WHERE ended_at IS NULL",
        """
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            desktop_id INTEGER NOT NULL REFERENCES desktops(id),
            logon_id TEXT NOT NULL UNIQUE REFERENCES sessions(logon_id),
            assigned_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            released_at TEXT)
        """,
        "CREATE UNIQUE INDEX one_active_assignment_per_desktop ON assignments(desktop_id) WHERE released_at IS NULL",
    ];

    /// <summary>INSERTs of the layout's groups, desktops and users (names are generated, never user input).</summary>
    public static IReadOnlyList<string> Seed(BrokerLayout layout) =>
    [
        "INSERT INTO desktop_groups(id, name) VALUES " + string.Join(", ", layout.Groups.Select((name, i) => $"({i + 1}, '{name}')")),
        "INSERT INTO desktops(id, name, group_id) VALUES " + string.Join(", ", layout.Desktops.Select(d => $"({d.Id}, '{d.Name}', {d.GroupId})")),
        "INSERT INTO users(id, name, group_id) VALUES " + string.Join(", ", layout.Users.Select(u => $"({u.Id}, '{u.Name}', {u.GroupId})")),
    ];

    // The client transactions. A free desktop is one without an active assignment; random() is the primary's, so
    // both replicas pick the same one.
    public const string PickFreeDesktop =
        "SELECT d.id FROM desktops d WHERE d.group_id = $1 " +
        "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.desktop_id = d.id AND a.released_at IS NULL) ORDER BY random() LIMIT 1";
    public const string InsertSession = "INSERT INTO sessions(logon_id, user_id, desktop_id) VALUES ($1, $2, $3)";
    public const string InsertAssignment = "INSERT INTO assignments(desktop_id, logon_id) VALUES ($1, $2)";
    public const string Heartbeat = "UPDATE sessions SET last_seen = CURRENT_TIMESTAMP, heartbeats = heartbeats + 1 WHERE logon_id = $1 AND ended_at IS NULL";
    public const string EndSession = "UPDATE sessions SET ended_at = CURRENT_TIMESTAMP WHERE logon_id = $1 AND ended_at IS NULL";
    public const string ReleaseDesktop = "UPDATE assignments SET released_at = CURRENT_TIMESTAMP WHERE logon_id = $1 AND released_at IS NULL";
    public const string FreeDesktopsPerGroup =
        "SELECT g.name, count(d.id) FROM desktop_groups g LEFT JOIN desktops d ON d.group_id = g.id " +
        "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.desktop_id = d.id AND a.released_at IS NULL) GROUP BY g.id ORDER BY g.id";

    // The consistency check's reads of a replica.
    public const string ReadSessions = "SELECT logon_id, user_id, desktop_id, heartbeats, ended_at IS NOT NULL FROM sessions ORDER BY id";
    public const string ReadAssignments = "SELECT id, desktop_id, logon_id, released_at IS NOT NULL FROM assignments ORDER BY id";
}
