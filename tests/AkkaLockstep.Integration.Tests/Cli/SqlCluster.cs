using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Guests.Sql;
using Npgsql;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// A local cluster that `lockstep up` starts on free ports in a temp state folder, with sql VMs protected through
/// `lockstep vm protect --kind sql`; `lockstep down` stops it by PID. PostgreSQL clients use the hosts' in-host
/// gateways (ports from cluster.json) with the demo user of config/host.json.
/// </summary>
public sealed class SqlCluster : IAsyncDisposable
{
    public const string User = "lockstep";
    public const string Password = "lockstep";

    private SqlCluster(CliHarness cli) => Cli = cli;

    public CliHarness Cli { get; }

    public ClusterFile File => ClusterFile.TryLoad(Cli.StateDirectory) ?? throw new InvalidOperationException("no cluster.json");

    public MemberRecord Member(string name) => File.Members.Single(m => m.Name == name);

    public IReadOnlyList<string> ClientEndpoints => File.Members.Where(m => m.ClientPort > 0).Select(m => $"{m.Hostname}:{m.ClientPort}").ToList();

    public static async Task<SqlCluster> UpAsync()
    {
        var cli = new CliHarness();
        var cluster = new SqlCluster(cli);
        // A generous timeout: on a busy two-core machine three members can take over a minute to come up.
        var (exit, output, error) = await cli.RunAsync("up", "--base-port", cli.FreeBasePort().ToString(), "--timeout", "120");
        if (exit != 0)
        {
            await cluster.DisposeAsync();
            Assert.Fail($"up failed: {error}{output}");
        }
        return cluster;
    }

    /// <summary>`vm protect NAME --kind sql`, then waits until the pair is duplex.</summary>
    public async Task ProtectSqlAsync(string vm, string hosts = "h1,h2")
    {
        var (exit, output, error) = await Cli.RunAsync("vm", "protect", vm, "--kind", "sql", "--hosts", hosts);
        Assert.True(exit == 0, error + output);
        Assert.Contains($"protected {vm} (sql)", output);
        await WaitForStateAsync(vm, "duplex");
    }

    /// <summary>`vm show NAME --json`, through the recorded endpoint or <paramref name="survivorEndpoint"/> (when a host is down).</summary>
    public async Task<JsonElement> ShowAsync(string vm, string? survivorEndpoint = null)
    {
        var (exit, output, error) = survivorEndpoint is null
            ? await Cli.RunAsync("vm", "show", vm, "--json")
            : await Cli.RunAsync("vm", "show", vm, "--json", "--endpoint", survivorEndpoint);
        Assert.True(exit == 0, error + output);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public async Task WaitForStateAsync(string vm, string state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (exit, output, error) = await Cli.RunAsync("vm", "show", vm, "--json", "--endpoint", AliveHostEndpoint());
            if (exit == 0 && JsonDocument.Parse(output).RootElement.GetProperty("state").GetString() == state) return;
            last = exit == 0 ? output : error;
            await Task.Delay(250);
        }
        Assert.Fail($"{vm} not {state} in time; last: {last}");
    }

    /// <summary>The command endpoint of a host whose process runs (the recorded default one may be the killed host).</summary>
    public string AliveHostEndpoint() =>
        File.Members.First(m => m.Role == Host.HostOptions.HostRole && MemberProcess.IsAlive(m)).CommandEndpoint;

    public string ConnectionString(int pgPort, string database, string password = Password) =>
        $"Host=127.0.0.1;Port={pgPort};Username={User};Password={password};Database={database};Pooling=false;Timeout=20;Command Timeout=60";

    public async Task<NpgsqlConnection> OpenAsync(int pgPort, string database)
    {
        var connection = new NpgsqlConnection(ConnectionString(pgPort, database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// Both replicas' guest state from their hosts' own command endpoints once they applied the same input: the
    /// snapshots must be byte-identical, and so must the logical digests of the databases they hold. A host that was
    /// downed under load restarts and resyncs on its own, so a missing dump is retried until the deadline.
    /// </summary>
    public async Task AssertReplicasIdenticalAsync(string vm)
    {
        var endpoints = File.Members.Where(m => m.Role == Host.HostOptions.HostRole).Select(m => m.CommandEndpoint).ToArray();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var dumps = new List<(long Applied, byte[] Snapshot)>();
            foreach (var endpoint in endpoints)
            {
                try
                {
                    var body = await http.GetStringAsync(new Uri(new Uri(endpoint), $"vms/{vm}/local/dump"));
                    using var dump = JsonDocument.Parse(body);
                    dumps.Add((dump.RootElement.GetProperty("appliedIndex").GetInt64(), Convert.FromBase64String(dump.RootElement.GetProperty("snapshotBase64").GetString()!)));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = $"{endpoint} gave no dump of {vm}: {e.Message}";
                    break;
                }
            }
            if (dumps.Count == endpoints.Length && dumps[0].Applied == dumps[1].Applied)
            {
                Assert.Equal(dumps[0].Snapshot, dumps[1].Snapshot);
                Assert.Equal(Digest(dumps[0].Snapshot), Digest(dumps[1].Snapshot));
                return;
            }
            if (dumps.Count == endpoints.Length) last = $"replicas of {vm} not at the same index: {dumps[0].Applied} vs {dumps[1].Applied}";
            await Task.Delay(250);
        }
        throw new Xunit.Sdk.XunitException($"{last}\n{LogTails()}");
    }

    private static string Digest(byte[] snapshot)
    {
        using var guest = new SqlGuest();
        guest.Restore(snapshot);
        return Convert.ToHexString(guest.Digest());
    }

    /// <summary>The last lines of every member's log, for a failure message (the state folder is deleted afterwards).</summary>
    public string LogTails(int lines = 40) =>
        string.Join("\n", File.Members.Select(m =>
            $"--- {m.Name} ({m.Log}) ---\n" +
            (System.IO.File.Exists(m.Log) ? string.Join("\n", ReadShared(m.Log).TakeLast(lines)) : "(no log)")));

    private static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var all = new List<string>();
        while (reader.ReadLine() is { } line) all.Add(line);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await Cli.RunAsync("down");
        Cli.Dispose();
    }
}
