namespace AkkaLockstep.Host.Configuration;

/// <summary>
/// One source of host settings (a config file, the environment or command-line flags); null means
/// "not set here". Layers are stacked with <see cref="Over"/>, the higher one winning field by field.
/// </summary>
public sealed record HostOptionsLayer
{
    public string? Cluster { get; init; }
    public string? Name { get; init; }
    public string? Hostname { get; init; }
    public int? Port { get; init; }
    public IReadOnlyList<string>? Seeds { get; init; }
    public string? DataDir { get; init; }
    public int? ClientPort { get; init; }
    public int? CommandPort { get; init; }
    public int? ReplicationPort { get; init; }
    public string? Postgres { get; init; }
    public int? PgPort { get; init; }
    public long? SnapshotEvery { get; init; }
    public long? RetainInputs { get; init; }
    public int? SpareAfterSeconds { get; init; }

    /// <summary>Name to password; a higher layer's list replaces a lower one's as a whole.</summary>
    public IReadOnlyDictionary<string, string>? PgUsers { get; init; }

    public static readonly HostOptionsLayer Empty = new();

    /// <summary>This layer's values, falling back to <paramref name="lower"/>'s where this one has none.</summary>
    public HostOptionsLayer Over(HostOptionsLayer lower) => new()
    {
        Cluster = Cluster ?? lower.Cluster,
        Name = Name ?? lower.Name,
        Hostname = Hostname ?? lower.Hostname,
        Port = Port ?? lower.Port,
        Seeds = Seeds ?? lower.Seeds,
        DataDir = DataDir ?? lower.DataDir,
        ClientPort = ClientPort ?? lower.ClientPort,
        CommandPort = CommandPort ?? lower.CommandPort,
        ReplicationPort = ReplicationPort ?? lower.ReplicationPort,
        Postgres = Postgres ?? lower.Postgres,
        PgPort = PgPort ?? lower.PgPort,
        PgUsers = PgUsers ?? lower.PgUsers,
        SnapshotEvery = SnapshotEvery ?? lower.SnapshotEvery,
        RetainInputs = RetainInputs ?? lower.RetainInputs,
        SpareAfterSeconds = SpareAfterSeconds ?? lower.SpareAfterSeconds,
    };

    /// <summary>Splits a comma-separated seed list ("a, b,,c" gives a, b, c).</summary>
    public static IReadOnlyList<string> SplitSeeds(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
