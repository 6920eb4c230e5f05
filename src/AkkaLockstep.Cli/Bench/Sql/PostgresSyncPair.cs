using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>
/// Two PostgreSQL servers on loopback in a temp folder: a primary that commits only once its standby has the commit
/// record (`synchronous_commit = on`, the standby named in `synchronous_standby_names`) and a standby made with
/// `pg_basebackup -R` that streams from it. As root the servers run as the postgres OS user (they refuse root).
/// Disposing stops both (pg_ctl, then SIGKILL by the postmaster's PID) and deletes the folder.
/// </summary>
public sealed class PostgresSyncPair : IAsyncDisposable
{
    public const string User = "postgres";
    public const string Database = "postgres";
    private const string StandbyName = "lockstep_bench_standby";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);

    private readonly string _bin;
    private readonly string _root;
    private readonly List<(string DataDir, int Pid)> _started = [];

    private PostgresSyncPair(string bin, string root)
    {
        _bin = bin;
        _root = root;
    }

    public int PrimaryPort { get; private set; }

    private static bool IsRoot => Environment.UserName == "root";

    private string Primary => Path.Combine(_root, "primary");
    private string Standby => Path.Combine(_root, "standby");
    private string Sockets => Path.Combine(_root, "sockets");

    /// <summary>Creates, starts and checks the pair: returns once the primary reports its standby as `sync` and streaming.</summary>
    public static async Task<PostgresSyncPair> StartAsync(TextWriter progress, CancellationToken ct)
    {
        var bin = PostgresTools.ServerBin();
        var pair = new PostgresSyncPair(bin, Directory.CreateTempSubdirectory("lockstep-bench-pg-").FullName);
        try
        {
            await pair.StartBothAsync(progress, ct);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private async Task StartBothAsync(TextWriter progress, CancellationToken ct)
    {
        Directory.CreateDirectory(Sockets);
        if (IsRoot)
        {
            // The temp folder is root's and private (0700): hand it to the user the servers run as.
            await ToolProcess.CheckAsync("chown", ["-R", $"{User}:{User}", _root], ToolTimeout, ct);
        }

        await progress.WriteLineAsync($"postgres-sync: initdb and start of the primary in {_root}…");
        await ServerToolAsync("initdb", ["-D", Primary, "--auth=trust", $"--username={User}", "--encoding=UTF8", "--no-locale"], ct);
        PrimaryPort = FreePort();
        await StartServerAsync(Primary, PrimaryPort,
            [$"synchronous_standby_names={StandbyName}", "synchronous_commit=on", "wal_level=replica", "max_wal_senders=4"], ct);

        await progress.WriteLineAsync("postgres-sync: pg_basebackup -R of the standby and its start…");
        await ServerToolAsync("pg_basebackup",
            ["-h", "127.0.0.1", "-p", PrimaryPort.ToString(), "-U", User, "-D", Standby, "-R", "-X", "stream", "--checkpoint=fast"], ct);
        // The standby's walreceiver names itself by cluster_name, which is what synchronous_standby_names matches.
        await StartServerAsync(Standby, FreePort(), [$"cluster_name={StandbyName}", "hot_standby=on"], ct);

        await WaitForSyncStandbyAsync(ct);
    }

    private async Task StartServerAsync(string dataDir, int port, IEnumerable<string> settings, CancellationToken ct)
    {
        var options = string.Join(" ", new[] { "listen_addresses=127.0.0.1", $"port={port}", $"unix_socket_directories={Sockets}" }
            .Concat(settings).Select(s => $"-c {s}"));
        await ServerToolAsync("pg_ctl", ["start", "-D", dataDir, "-l", Path.Combine(_root, Path.GetFileName(dataDir) + ".log"), "-w", "-t", "60", "-o", options], ct);
        _started.Add((dataDir, int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First())));
    }

    private async Task WaitForSyncStandbyAsync(CancellationToken ct)
    {
        var psql = PostgresTools.Client("psql");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var seen = "";
        while (DateTime.UtcNow < deadline)
        {
            seen = (await ToolProcess.CheckAsync(psql, [.. ConnectionArguments, "-X", "-A", "-t", "-c",
                "SELECT application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication"], ToolTimeout, ct)).Trim();
            if (seen == $"{StandbyName} streaming sync") return;
            await Task.Delay(200, ct);
        }
        throw new CliException($"the PostgreSQL standby did not become a streaming synchronous standby within 60 s " +
                               $"(pg_stat_replication: '{seen}'; logs in {_root})");
    }

    /// <summary>psql/pgbench arguments that reach the primary.</summary>
    public IReadOnlyList<string> ConnectionArguments => ["-h", "127.0.0.1", "-p", PrimaryPort.ToString(), "-U", User, "-d", Database];

    private Task<string> ServerToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var path = Path.Combine(_bin, tool);
        return IsRoot
            ? ToolProcess.CheckAsync("runuser", ["-u", User, "--", path, .. arguments], ToolTimeout, ct)
            : ToolProcess.CheckAsync(path, arguments, ToolTimeout, ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the standby, then the primary (fast shutdown); kills a postmaster that outlives pg_ctl; deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (dataDir, pid) in Enumerable.Reverse(_started))
        {
            try
            {
                await ServerToolAsync("pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"], CancellationToken.None);
            }
            catch (CliException)
            {
                // pg_ctl could not stop it (only then, so a PID reused after a clean stop is never touched).
                KillIfAlive(pid);
            }
        }
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static void KillIfAlive(int pid)
    {
        try
        {
            using var postmaster = Process.GetProcessById(pid);
            postmaster.Kill(entireProcessTree: true);
            postmaster.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
