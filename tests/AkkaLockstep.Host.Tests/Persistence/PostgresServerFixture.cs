using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>
/// A throwaway PostgreSQL server for the tests: its own data folder, trust authentication,
/// listening on 127.0.0.1 at a free port with its unix socket inside the folder. It fails (never
/// skips) when the server binaries are missing, so a machine without them cannot pass by accident.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private const string PostgresRoot = "/usr/lib/postgresql";
    private const string PreferredVersion = "15";
    private const string OsUser = "postgres";
    private const string Database = "lockstep_test";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "lockstep-pg-" + Guid.NewGuid().ToString("N"));
    private string _binDir = "";
    private int? _postmasterPid;

    public string ConnectionString { get; private set; } = "";

    private string DataDir => Path.Combine(_root, "data");
    private string SocketDir => Path.Combine(_root, "socket");
    private string LogFile => Path.Combine(_root, "server.log");

    // initdb and postgres refuse to run as root: as root, run them as the postgres OS user.
    private static bool IsRoot => Environment.UserName == "root";

    public async Task InitializeAsync()
    {
        _binDir = FindBinDir();
        Directory.CreateDirectory(SocketDir);
        if (IsRoot)
            await ExternalProcess.RunAsync("chown", ["-R", $"{OsUser}:{OsUser}", _root], ToolTimeout);

        await RunToolAsync("initdb", "-D", DataDir, "--auth=trust", $"--username={OsUser}", "--encoding=UTF8", "--no-locale", "--no-sync");

        var port = FreePort();
        var serverOptions = $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={SocketDir}";
        await RunToolAsync("pg_ctl", "start", "-D", DataDir, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions);
        _postmasterPid = int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First());

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = OsUser, Database = "postgres", Pooling = false,
        };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await command.ExecuteNonQueryAsync();
        }

        admin.Database = Database;
        admin.Pooling = true;
        ConnectionString = admin.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Directory.Exists(DataDir))
        {
            try
            {
                await RunToolAsync("pg_ctl", "stop", "-D", DataDir, "-m", "immediate", "-w", "-t", "30");
            }
            finally
            {
                KillPostmaster();
            }
        }
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static string FindBinDir()
    {
        var preferred = Path.Combine(PostgresRoot, PreferredVersion, "bin");
        if (File.Exists(Path.Combine(preferred, "initdb")))
            return preferred;

        var any = Directory.Exists(PostgresRoot)
            ? Directory.GetDirectories(PostgresRoot)
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => bin, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        return any ?? throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found under {PostgresRoot}/<version>/bin. " +
            "The PostgreSQL journal tests need them: run `apt-get install -y postgresql` (Debian 12 gives version 15).");
    }

    private Task<string> RunToolAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(_binDir, tool);
        return IsRoot
            ? ExternalProcess.RunAsync("runuser", ["-u", OsUser, "--", path, .. arguments], ToolTimeout)
            : ExternalProcess.RunAsync(path, arguments, ToolTimeout);
    }

    // The fallback when pg_ctl could not stop the server: it must not outlive the test run.
    private void KillPostmaster()
    {
        if (_postmasterPid is not { } pid)
            return;
        try
        {
            using var postmaster = Process.GetProcessById(pid);
            postmaster.Kill(entireProcessTree: true);
            postmaster.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Already gone: pg_ctl stopped it.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
