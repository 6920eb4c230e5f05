using System.CommandLine;
using System.Net;
using AkkaLockstep.Gateway;
using AkkaLockstep.Host;
using AkkaLockstep.Host.Configuration;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep host` and `lockstep witness`: run one cluster member in the foreground until SIGINT/SIGTERM. A host with a
/// PostgreSQL port also runs a gateway in its process, which dies with the host (clients then reconnect to another
/// host's gateway, or use a standalone `lockstep gateway`, which survives the loss of any host).
/// </summary>
internal static class HostCommands
{
    public static Command Create(string role, CliEnvironment environment)
    {
        var description = role == HostOptions.HostRole
            ? "Run a host: a cluster member that holds VM replicas."
            : "Run the witness: the cluster member that arbitrates failover and holds no replicas.";
        var command = new Command(role, description);

        var config = new Option<string?>("--config") { Description = $"Config file (default: config/{role}.json in the current directory, else next to the binary)", HelpName = "FILE" };
        var name = new Option<string?>("--name") { Description = "Unique member name, e.g. h1 [LOCKSTEP_NAME]" };
        var hostname = new Option<string?>("--hostname") { Description = "Address to bind and advertise [LOCKSTEP_HOSTNAME]" };
        var port = new Option<int?>("--port") { Description = "Akka remoting port [LOCKSTEP_PORT]" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seed addresses, akka.tcp://lockstep@HOST:PORT [LOCKSTEP_SEEDS]" };
        var data = new Option<string?>("--data") { Description = "Data folder; {name} is replaced by the member name [LOCKSTEP_DATA_DIR]", HelpName = "DIR" };
        var clientPort = new Option<int?>("--client-port") { Description = "Client endpoint TCP port, 0 = none [LOCKSTEP_CLIENT_PORT]" };
        var commandPort = new Option<int?>("--command-port") { Description = "Command endpoint HTTP port, 0 = none [LOCKSTEP_COMMAND_PORT]" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string for the journal instead of SQLite [LOCKSTEP_POSTGRES]" };
        var snapshotEvery = new Option<long?>("--snapshot-every")
        {
            Description = "Snapshot each replica every N applied inputs; the journal is truncated up to each snapshot [LOCKSTEP_SNAPSHOT_EVERY]", HelpName = "N",
        };
        var retainInputs = new Option<long?>("--retain-inputs")
        {
            Description = "Applied inputs kept for a returning replica's incremental resync; further behind it gets a full copy [LOCKSTEP_RETAIN_INPUTS]",
            HelpName = "N",
        };
        var spareAfter = new Option<int?>("--spare-after")
        {
            Description = "Seconds a VM's host may stay away before the VM is re-protected onto another host that is up [LOCKSTEP_SPARE_AFTER]",
            HelpName = "SECONDS",
        };
        foreach (var option in new Option[] { config, name, hostname, port, seeds, data, clientPort, commandPort, postgres, snapshotEvery, retainInputs, spareAfter })
            command.Options.Add(option);
        Option<int?>? pgPort = null;
        Option<string[]>? pgUsers = null;
        Option<int?>? replicationPort = null;
        if (role == HostOptions.HostRole)
        {
            pgPort = new Option<int?>("--pg-port") { Description = "PostgreSQL protocol gateway TCP port in this host, 0 = none [LOCKSTEP_PG_PORT]" };
            pgUsers = new Option<string[]>("--pg-user")
            {
                Description = "A user of the PostgreSQL gateway; repeat for more; replaces pgUsers of the config file [LOCKSTEP_PG_USERS=A:PW,B:PW]",
                HelpName = "NAME:PASSWORD",
            };
            replicationPort = new Option<int?>("--replication-port")
            {
                Description = "TCP port receiving replicas' traffic from peers (appends, full copies of disks), 0 = a free one [LOCKSTEP_REPLICATION_PORT]",
            };
            command.Options.Add(pgPort);
            command.Options.Add(pgUsers);
            command.Options.Add(replicationPort);
        }

        command.SetHandler(environment, async (parse, context, ct) =>
        {
            var flags = new HostOptionsLayer
            {
                Name = parse.GetValue(name),
                Hostname = parse.GetValue(hostname),
                Port = parse.GetValue(port),
                Seeds = parse.GetValue(seeds) is { } s ? HostOptionsLayer.SplitSeeds(s) : null,
                DataDir = parse.GetValue(data),
                ClientPort = parse.GetValue(clientPort),
                CommandPort = parse.GetValue(commandPort),
                Postgres = parse.GetValue(postgres),
                PgPort = pgPort is null ? null : parse.GetValue(pgPort),
                ReplicationPort = replicationPort is null ? null : parse.GetValue(replicationPort),
                PgUsers = UsersFlag(pgUsers is null ? null : parse.GetValue(pgUsers), "--pg-user"),
                SnapshotEvery = parse.GetValue(snapshotEvery),
                RetainInputs = parse.GetValue(retainInputs),
                SpareAfterSeconds = parse.GetValue(spareAfter),
            };
            var loaded = HostOptionsLoader.Load(role, parse.GetValue(config), flags, context.Environment.GetVariable);
            await context.Output.WriteLineAsync(Describe(loaded));
            // Bound before the host starts, so a taken port stops the process before it joins the cluster.
            await using var gateway = StartGateway(loaded.Options);
            if (gateway is not null)
            {
                await context.Output.WriteLineAsync(
                    $"PostgreSQL gateway on {gateway.LocalEndPoint} (users {string.Join(", ", loaded.Options.PgUsers.Keys.Order(StringComparer.Ordinal))})");
            }
            var host = HostRunner.RunAsync(loaded.Options, ct);
            if (gateway is not null)
            {
                // On SIGINT/SIGTERM the gateway closes its sessions (rolling back their open transactions) while the
                // host leaves the cluster, not after it: both must fit in the shutdown grace period.
                await Task.WhenAny(host, Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default));
                await gateway.DisposeAsync();
            }
            try
            {
                await host;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // SIGINT/SIGTERM: a normal way for a member to stop.
            }
            return 0;
        });
        return command;
    }

    /// <summary>Users from a repeated NAME:PASSWORD flag; null when the flag was not given (lower layers decide).</summary>
    internal static Dictionary<string, string>? UsersFlag(string[]? values, string flag)
    {
        if (values is not { Length: > 0 }) return null;
        var errors = new List<string>();
        var users = PgUserEntries.Parse(values, flag, errors);
        return errors.Count == 0 ? users : throw new HostOptionsException(errors);
    }

    /// <summary>
    /// The in-host gateway talks to the cluster through this host's own client endpoint; the client library learns
    /// the other hosts from it and follows each VM's primary wherever it is.
    /// </summary>
    private static LockstepGateway? StartGateway(HostOptions options)
    {
        if (options.Role != HostOptions.HostRole || options.PgPort == 0) return null;
        IPAddress address;
        try
        {
            address = IPAddress.Parse(HostRunner.ResolveAddress(options.Hostname));
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            throw new CliException($"cannot resolve hostname '{options.Hostname}' to an IPv4 address for the PostgreSQL gateway: {e.Message}");
        }
        try
        {
            return LockstepGateway.Start(new LockstepGatewayOptions
            {
                Listen = new IPEndPoint(address, options.PgPort),
                ClusterEndpoints = [$"{options.Hostname}:{options.ClientPort}"],
                Users = options.PgUsers.Select(u => new PgUser(u.Key, u.Value)).ToList(),
            });
        }
        catch (GatewayStartException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string Describe(LoadedHostOptions loaded)
    {
        var o = loaded.Options;
        var endpoints = $"remoting {o.Hostname}:{o.Port}, command {Port(o.CommandPort)}, client {Port(o.ClientPort)}" +
                        (o.Role == HostOptions.HostRole ? $", PostgreSQL {Port(o.PgPort)}, replication {(o.ReplicationPort == 0 ? "any free port" : o.ReplicationPort)}" : "");
        var journal = o.PostgresConnectionString is null ? "SQLite" : "PostgreSQL";
        return $"lockstep {o.Role} {o.Name}: {endpoints}; seeds {string.Join(",", o.Seeds)}; data {o.DataDir} ({journal} journal); " +
               $"config {loaded.ConfigFile ?? "(none, built-in defaults)"}";
    }

    private static string Port(int port) => port == 0 ? "none" : port.ToString();
}
