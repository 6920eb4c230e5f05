using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Output;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>`up`/`down` bookkeeping: ports, cluster.json, PIDs. Stand-in processes are `sleep`, not cluster members.</summary>
public sealed class LocalClusterTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly List<Process> _sleepers = [];

    public void Dispose()
    {
        foreach (var p in _sleepers.Where(p => !p.HasExited)) p.Kill();
        _cli.Dispose();
    }

    [Fact]
    public void Default_ports_follow_the_documented_scheme()
    {
        var members = PortScheme.Members(PortScheme.DefaultBasePort, "/state");
        Assert.Equal(
            [("witness", "witness", 4053, 9110, 0, 0), ("h1", "host", 4054, 9111, 9200, 5433), ("h2", "host", 4055, 9112, 9201, 5434)],
            members.Select(m => (m.Name, m.Role, m.Port, m.CommandPort, m.ClientPort, m.PgPort)));
        Assert.Equal("akka.tcp://lockstep@127.0.0.1:4053,akka.tcp://lockstep@127.0.0.1:4054,akka.tcp://lockstep@127.0.0.1:4055", PortScheme.Seed(members));
        Assert.Equal("http://127.0.0.1:9111/", PortScheme.Endpoint(members));
        Assert.Equal(("/state/h1", "/state/h1.log"), (members[1].DataDir, members[1].Log));
    }

    [Fact]
    public void Base_port_shifts_every_port()
    {
        var members = PortScheme.Members(5053, "/state");
        Assert.Equal([(5053, 10110, 0, 0), (5054, 10111, 10200, 6433), (5055, 10112, 10201, 6434)],
            members.Select(m => (m.Port, m.CommandPort, m.ClientPort, m.PgPort)));
        Assert.Throws<AkkaLockstep.Cli.CliException>(() => PortScheme.Members(61000, "/state"));
    }

    [Fact]
    public async Task Up_refuses_to_start_when_a_port_is_taken()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        // The witness's remoting port is the base port: make it the one in use.
        var (exit, output, error) = await _cli.RunAsync("up", "--base-port", port.ToString());

        Assert.Equal(1, exit);
        Assert.Contains($"port(s) in use: {port} (witness remoting)", error);
        Assert.Contains("--base-port", error);
        Assert.DoesNotContain("starting", output);
        Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
    }

    [Fact]
    public async Task Up_reports_a_running_cluster_and_starts_nothing()
    {
        var cluster = RecordCluster(Sleep(), Sleep(), Sleep());
        var (exit, output, _) = await _cli.RunAsync("up");
        Assert.Equal(0, exit);
        Assert.Contains("cluster already up", output);
        Assert.Contains(cluster.Members[1].Pid.ToString(), output);
        Assert.Contains($"endpoint: {cluster.Endpoint}", output);
    }

    [Fact]
    public async Task Down_stops_recorded_processes_and_forgets_the_cluster()
    {
        var witness = Sleep();
        var h1 = Sleep();
        RecordCluster(witness, h1, null);

        var (exit, output, _) = await _cli.RunAsync("down");

        Assert.Equal(0, exit);
        Assert.True(witness.WaitForExit(5000) && h1.WaitForExit(5000));
        Assert.Contains($"stopped h1 (pid {h1.Id})", output);
        Assert.Contains($"stopped witness (pid {witness.Id})", output);
        Assert.Contains("h2 (pid 0) was not running", output);
        Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
        Assert.True(Directory.Exists(_cli.StateDirectory));
    }

    [Fact]
    public async Task Down_does_not_signal_a_process_that_only_reuses_a_recorded_pid()
    {
        var stranger = Sleep();
        var cluster = RecordCluster(stranger, null, null);
        cluster.With(cluster.Members[0] with { StartedAt = DateTimeOffset.Now.AddHours(-1) }).Save(_cli.StateDirectory);

        var (exit, output, _) = await _cli.RunAsync("down");

        Assert.Equal(0, exit);
        Assert.Contains("witness", output);
        Assert.Contains("was not running", output);
        Assert.False(stranger.HasExited);
    }

    [Fact]
    public async Task Down_purge_deletes_the_state_folder()
    {
        RecordCluster(null, null, null);
        File.WriteAllText(Path.Combine(_cli.StateDirectory, "h1.log"), "log");
        var (exit, _, _) = await _cli.RunAsync("down", "--purge");
        Assert.Equal(0, exit);
        Assert.False(Directory.Exists(_cli.StateDirectory));
    }

    [Fact]
    public async Task Down_without_a_cluster_says_so()
    {
        var (exit, output, _) = await _cli.RunAsync("down");
        Assert.Equal(0, exit);
        Assert.Contains("no cluster recorded", output);
    }

    [Fact]
    public void Table_columns_are_aligned()
    {
        var output = new StringWriter();
        new Table("A", "LONGER", "C").Add("xxxx", "y", "z").Add("", "", "last").WriteTo(output);
        Assert.Equal(["A     LONGER  C", "xxxx  y       z", "              last"], output.ToString().TrimEnd().Split(Environment.NewLine));
    }

    private Process Sleep()
    {
        var p = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        _sleepers.Add(p);
        return p;
    }

    private ClusterFile RecordCluster(Process? witness, Process? h1, Process? h2)
    {
        var members = PortScheme.Members(PortScheme.DefaultBasePort, _cli.StateDirectory)
            .Zip([witness, h1, h2], (m, p) => p is null ? m : m with { Pid = p.Id, StartedAt = p.StartTime })
            .ToList();
        var cluster = new ClusterFile(PortScheme.DefaultBasePort, PortScheme.Endpoint(members), members);
        cluster.Save(_cli.StateDirectory);
        return cluster;
    }
}
