using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>Where the PostgreSQL programs are: the clients (pgbench, psql) on PATH, the server's in Debian's versioned folder.</summary>
public static class PostgresTools
{
    private const string ServerRoot = "/usr/lib/postgresql";
    private const string PreferredVersion = "15";

    /// <summary>pgbench or psql, or a clear error saying how to install them.</summary>
    public static string Client(string program) =>
        SystemCommand.Find(program)
        ?? throw new CliException($"{program} not found on PATH: `bench sql` drives every target with PostgreSQL's client tools " +
                                  "(Debian: apt-get install -y postgresql-client)");

    /// <summary>The folder holding initdb, pg_ctl and pg_basebackup: version 15 if present, else the newest; null if none.</summary>
    public static string? FindServerBin()
    {
        var preferred = Path.Combine(ServerRoot, PreferredVersion, "bin");
        if (HasServer(preferred)) return preferred;
        return Directory.Exists(ServerRoot)
            ? Directory.GetDirectories(ServerRoot).Select(v => Path.Combine(v, "bin")).Where(HasServer)
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
    }

    public static string ServerBin() =>
        FindServerBin() ?? throw new CliException(
            $"--peer postgres needs the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) under {ServerRoot}/<version>/bin " +
            "(Debian 12: apt-get install -y postgresql)");

    private static bool HasServer(string bin) =>
        new[] { "initdb", "pg_ctl", "pg_basebackup", "postgres" }.All(p => File.Exists(Path.Combine(bin, p)));
}
