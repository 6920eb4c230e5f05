namespace AkkaLockstep.Host;

/// <summary>Everything one `lockstep host` or `lockstep witness` process needs to start.</summary>
public sealed record HostOptions
{
    /// <summary>Unique member name in the cluster, e.g. "h1" or "witness".</summary>
    public required string Name { get; init; }

    /// <summary>"host" (holds replicas) or "witness" (arbitrates, holds no replicas).</summary>
    public required string Role { get; init; }

    /// <summary>Address to bind and advertise for Akka remoting and the endpoints.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Akka remoting port.</summary>
    public int Port { get; init; } = 4053;

    /// <summary>Seed node addresses, e.g. "akka.tcp://lockstep@127.0.0.1:4053".</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>Folder for the journal (SQLite), disks and other local state.</summary>
    public required string DataDir { get; init; }

    /// <summary>Client data-plane TCP port (0 = none; witnesses have none).</summary>
    public int ClientPort { get; init; }

    /// <summary>
    /// TCP port on which this host receives its replicas' traffic from their peers: appends, replies, full copies of
    /// disks (0 = a free port chosen at start; peers learn it from the cluster membership). Witnesses have none.
    /// </summary>
    public int ReplicationPort { get; init; }

    /// <summary>Command endpoint HTTP port for the CLI, health and metrics (0 = none).</summary>
    public int CommandPort { get; init; } = 9110;

    /// <summary>When set, journal and snapshots go to this PostgreSQL database instead of SQLite.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>
    /// TCP port of the PostgreSQL protocol gateway that runs in this host's process (0 = none; witnesses have none).
    /// The gateway reaches the VMs through this host's client endpoint, so it needs <see cref="ClientPort"/>.
    /// </summary>
    public int PgPort { get; init; }

    /// <summary>Users the PostgreSQL gateway accepts, name to password (SCRAM-SHA-256).</summary>
    public IReadOnlyDictionary<string, string> PgUsers { get; init; } = new Dictionary<string, string>();

    /// <summary>A replica snapshots its state every this many applied inputs; the journal is truncated up to each snapshot.</summary>
    public long SnapshotEvery { get; init; } = 50_000;

    /// <summary>
    /// Applied inputs a replica keeps (in memory, behind its snapshot) so a returning peer that missed up to that
    /// many catches up incrementally; a peer further behind gets a full copy.
    /// </summary>
    public long RetainInputs { get; init; } = 200_000;

    /// <summary>
    /// A VM whose host has been away this long is re-protected onto another host that is up (a full resync there);
    /// the host that left loses its replica of it when it returns. Read by whichever host runs the placement coordinator.
    /// </summary>
    public int SpareAfterSeconds { get; init; } = 60;

    public const string ActorSystemName = "lockstep";
    public const string HostRole = "host";
    public const string WitnessRole = "witness";
}
