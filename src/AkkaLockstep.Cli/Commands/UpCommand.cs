using System.CommandLine;
using System.Diagnostics;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;
using AkkaLockstep.Cli.Output;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep up`: a local cluster of one witness and two hosts as background processes, recorded in
/// .lockstep/cluster.json, on loopback or (--netns) each in a network namespace of its own. Restarts members
/// that died; fails (and stops what it started) if the cluster is not Up in time.
/// </summary>
internal static class UpCommand
{
    private const int ExpectedUpMembers = 3;
    private const int LogTailLines = 20;

    /// <summary>The demo user config/host.json ships with (pgUsers), named in the hint `up` prints.</summary>
    private const string DemoPgUser = "lockstep";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RollbackGrace = TimeSpan.FromSeconds(5);

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("up", "Start a local cluster (witness, h1, h2) in the background and wait until it is Up.");
        var basePort = new Option<int?>("--base-port")
        {
            Description = $"Shift every port by BASE - {PortScheme.DefaultBasePort} (default {PortScheme.DefaultBasePort}: " +
                          "remoting 4053-4055, command 9110-9112, client 9200-9201, PostgreSQL 5433-5434)",
            HelpName = "BASE",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for all members to be Up",
            DefaultValueFactory = _ => 60,
        };
        timeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--timeout must be at least 1 second");
        });
        var netns = new Option<bool>("--netns")
        {
            Description = $"Run each member in a network namespace of its own on {NetworkPlan.Prefix}.N.0/{NetworkPlan.PrefixLength}, " +
                          "joined by a bridge, so chaos can cut real links with iptables (root only)",
        };
        var snapshotEvery = new Option<long?>("--snapshot-every")
        {
            Description = "Applied inputs between a replica's checkpoints to its disk file (the hosts' snapshotEvery setting)",
            HelpName = "N",
        };
        var retainInputs = new Option<long?>("--retain-inputs")
        {
            Description = "Applied inputs each replica keeps for a returning peer's incremental catch-up (retainInputs)",
            HelpName = "N",
        };
        snapshotEvery.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is < 1) r.AddError("--snapshot-every must be at least 1");
        });
        retainInputs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is < 0) r.AddError("--retain-inputs must not be negative");
        });
        foreach (var option in new Option[] { basePort, timeout, netns, snapshotEvery, retainInputs }) command.Options.Add(option);
        command.SetHandler(environment, (parse, context, ct) =>
        {
            List<string> hostFlags = [];
            if (parse.GetValue(snapshotEvery) is { } every) hostFlags.AddRange(["--snapshot-every", every.ToString()]);
            if (parse.GetValue(retainInputs) is { } retain) hostFlags.AddRange(["--retain-inputs", retain.ToString()]);
            return RunAsync(parse.GetValue(basePort), parse.GetValue(netns) ? true : null, TimeSpan.FromSeconds(parse.GetValue(timeout)), context, ct,
                hostFlags.Count > 0 ? hostFlags : null);
        });
        return command;
    }

    /// <param name="hostFlags">More flags for every host of a cluster started afresh (experiments' own settings).</param>
    internal static async Task<int> RunAsync(int? basePort, bool? netns, TimeSpan timeout, CliContext context, CancellationToken ct,
        IReadOnlyList<string>? hostFlags = null)
    {
        if (netns == true) NetnsPrerequisites.Check();
        var stateDirectory = context.Environment.StateDirectory;
        var cluster = ClusterFile.TryLoad(stateDirectory);
        var alive = cluster?.Members.Where(MemberProcess.IsAlive).Select(m => m.Name).ToHashSet() ?? [];
        if (netns == true && cluster?.Network is null && alive.Count > 0)
            throw new CliException($"the cluster in {stateDirectory} runs on loopback ({string.Join(", ", alive)} up); " +
                                   "run `lockstep down` first to start it with --netns");

        if (cluster is not null && alive.Count == cluster.Members.Count)
        {
            await context.Output.WriteLineAsync($"cluster already up ({ClusterFile.PathIn(stateDirectory)}):");
            WriteMembers(cluster, context.Output);
            return 0;
        }
        if (cluster is not null && alive.Count > 0)
        {
            if (basePort is { } requested && requested != cluster.BasePort)
                throw new CliException($"the cluster in {stateDirectory} runs with --base-port {cluster.BasePort} " +
                                       $"({string.Join(", ", alive)} still up); run `lockstep down` first to change it");
            if (cluster.Network is { } network)
            {
                NetnsPrerequisites.Check();
                if (!NetworkNamespaces.Exists(network))
                    throw new CliException($"the network namespaces of the cluster in {stateDirectory} are gone " +
                                           $"({string.Join(", ", alive)} still up); run `lockstep down` first");
            }
        }
        else
        {
            // Every member is gone: start afresh, in new namespaces if the last cluster had them (or --netns asks).
            var useNetns = netns ?? cluster?.Network is not null;
            if (useNetns) NetnsPrerequisites.Check();
            if (cluster?.Network is { } stale) NetworkNamespaces.Destroy(stale);
            var port = basePort ?? PortScheme.DefaultBasePort;
            IReadOnlyList<MemberRecord> members = PortScheme.Members(port, stateDirectory).Select(m => m with { HostFlags = hostFlags }).ToList();
            var plan = useNetns ? NetworkNamespaces.PickFree(members.Select(m => m.Name).ToList()) : null;
            if (plan is not null) members = plan.Place(members);
            cluster = new ClusterFile(port, PortScheme.Endpoint(members), members, plan);
            alive = [];
            if (plan is not null) await CreateNetworkAsync(cluster, context);
        }

        var toStart = cluster.Members.Where(m => !alive.Contains(m.Name)).ToList();
        // Fresh namespaces have every port free; loopback is shared with everything else on the machine.
        if (cluster.Network is null) CheckPortsFree(toStart);

        var seed = PortScheme.Seed(cluster.Members);
        var workingDirectory = Path.GetDirectoryName(Path.GetFullPath(stateDirectory))!;
        var started = new List<MemberProcess.Launched>();
        await context.Output.WriteLineAsync($"starting {string.Join(", ", toStart.Select(m => m.Name))} (logs in {stateDirectory})");
        var stopwatch = Stopwatch.StartNew();
        string failure;
        try
        {
            foreach (var member in toStart)
            {
                var launched = MemberProcess.Start(member, seed, workingDirectory);
                started.Add(launched);
                cluster = cluster.With(launched.Member);
                cluster.Save(stateDirectory);
            }
            failure = await WaitUntilUpAsync(cluster, started, timeout, context, ct);
        }
        catch
        {
            // Interrupted (Ctrl+C) or failed to start: leave no processes, namespaces or bridge behind.
            await RollBackAsync(cluster, started, context);
            throw;
        }
        if (failure.Length == 0)
        {
            await context.Output.WriteLineAsync($"cluster up after {stopwatch.Elapsed.TotalSeconds:0.0} s:");
            WriteMembers(cluster, context.Output);
            return 0;
        }

        await context.Error.WriteLineAsync($"error: {failure}");
        foreach (var (member, _, logOffset) in started)
        {
            await context.Error.WriteLineAsync($"--- last lines of {member.Log}:");
            foreach (var line in MemberProcess.Tail(member.Log, LogTailLines, logOffset)) await context.Error.WriteLineAsync(line);
        }
        await RollBackAsync(cluster, started, context);
        return 1;
    }

    /// <summary>Records the network before creating it, so that `down` finds it even if this process dies half-way.</summary>
    private static async Task CreateNetworkAsync(ClusterFile cluster, CliContext context)
    {
        var plan = cluster.Network!;
        cluster.Save(context.Environment.StateDirectory);
        try
        {
            NetworkNamespaces.Create(plan);
        }
        catch
        {
            ClusterFile.Delete(context.Environment.StateDirectory);
            throw;
        }
        await context.Output.WriteLineAsync($"created namespaces {string.Join(", ", plan.Members.Select(m => m.Namespace))} " +
                                            $"on bridge {plan.Bridge} ({plan.Subnet}, this side {plan.Gateway})");
    }

    /// <summary>
    /// Polls every host's command endpoint; returns "" once each of them sees enough members Up and reachable
    /// (asking every host, not just one, keeps a stale view of a restarted member from passing), else why not.
    /// </summary>
    private static async Task<string> WaitUntilUpAsync(ClusterFile cluster, List<MemberProcess.Launched> started,
        TimeSpan timeout, CliContext context, CancellationToken ct)
    {
        var hosts = cluster.Members.Where(m => m.Role == Host.HostOptions.HostRole).ToList();
        await context.Output.WriteLineAsync($"waiting up to {timeout.TotalSeconds:0} s for {ExpectedUpMembers} members Up");
        var deadline = DateTime.UtcNow + timeout;
        var lastSeen = "no command endpoint answered yet";
        while (true)
        {
            if (started.FirstOrDefault(s => s.Process.HasExited) is { } dead)
                return $"{dead.Member.Name} exited with code {dead.Process.ExitCode} before the cluster was up";

            var satisfied = 0;
            foreach (var host in hosts)
            {
                using var client = new CommandEndpointClient(new Uri(host.CommandEndpoint), TimeSpan.FromSeconds(2));
                try
                {
                    var view = (await client.GetAsync<ClusterView>("cluster", ct)).Value;
                    var up = view.Members.Count(m => m.Reachable && string.Equals(m.Status, "Up", StringComparison.OrdinalIgnoreCase));
                    if (up >= ExpectedUpMembers) satisfied++;
                    else lastSeen = $"{host.Name} sees {string.Join(", ", view.Members.Select(Describe))}";
                }
                catch (CliException e)
                {
                    lastSeen = $"{host.Name}: {e.Message}";
                }
            }
            if (satisfied == hosts.Count) return "";

            if (DateTime.UtcNow >= deadline)
                return $"the cluster was not up after {timeout.TotalSeconds:0} s; last seen: {lastSeen}";
            await Task.Delay(PollInterval, ct);
        }
    }

    private static string Describe(MemberInfo m) => $"{m.Name} {m.Status}{(m.Reachable ? "" : " (unreachable)")}";

    private static void CheckPortsFree(IEnumerable<MemberRecord> members)
    {
        var taken = members
            .SelectMany(m => new[]
            {
                (m.Name, "remoting", m.Port), (m.Name, "command", m.CommandPort), (m.Name, "client", m.ClientPort), (m.Name, "PostgreSQL", m.PgPort),
            })
            .Where(p => p.Item3 > 0 && !PortProbe.IsFree(p.Item3))
            .Select(p => $"{p.Item3} ({p.Name} {p.Item2})")
            .ToList();
        if (taken.Count > 0)
            throw new CliException($"port(s) in use: {string.Join(", ", taken)}. Stop whatever holds them " +
                                   "or shift every port with --base-port, e.g. --base-port 5053");
    }

    /// <summary>Stops what this `up` started, so that the next `up` starts from a clean slate.</summary>
    private static async Task RollBackAsync(ClusterFile cluster, List<MemberProcess.Launched> started, CliContext context)
    {
        var outcomes = await Task.WhenAll(started.Select(async s => (s.Member.Name, await MemberProcess.StopAsync(s.Member, RollbackGrace))));
        foreach (var launched in started) launched.Process.Dispose();
        var stopped = outcomes.Where(o => o.Item2 != MemberProcess.StopOutcome.NotRunning).Select(o => o.Name).ToList();
        if (stopped.Count > 0) await context.Error.WriteLineAsync($"stopped {string.Join(", ", stopped)}");
        if (cluster.Members.Any(MemberProcess.IsAlive)) return;
        if (cluster.Network is { } network && NetworkNamespaces.Destroy(network) is { Count: > 0 } removed)
            await context.Error.WriteLineAsync($"removed {string.Join(", ", removed)}");
        ClusterFile.Delete(context.Environment.StateDirectory);
    }

    private static void WriteMembers(ClusterFile cluster, TextWriter output)
    {
        var table = cluster.Network is null
            ? new Table("NAME", "ROLE", "PID", "REMOTING", "COMMAND", "CLIENT", "PG", "LOG")
            : new Table("NAME", "ROLE", "PID", "REMOTING", "COMMAND", "CLIENT", "PG", "NAMESPACE", "LOG");
        foreach (var m in cluster.Members)
        {
            var cells = new List<string> { m.Name, m.Role, m.Pid.ToString(), $"{m.Hostname}:{m.Port}", m.CommandPort.ToString(),
                m.ClientPort == 0 ? "-" : m.ClientPort.ToString(), m.PgPort == 0 ? "-" : m.PgPort.ToString() };
            if (cluster.Network is not null) cells.Add(m.Namespace ?? "-");
            cells.Add(m.Log);
            table.Add(cells.ToArray());
        }
        table.WriteTo(output);
        if (cluster.Network is { } n)
            output.WriteLine($"network: {n.Subnet} on bridge {n.Bridge} (this side {n.Gateway}), one namespace per member");
        output.WriteLine($"endpoint: {cluster.Endpoint}");
        if (cluster.Members.FirstOrDefault(m => m.PgPort > 0) is { } host)
            output.WriteLine($"PostgreSQL: psql -h {host.Hostname} -p {host.PgPort} -U {DemoPgUser} NAME   (NAME: a VM of kind sql; users: pgUsers in config/host.json)");
    }
}
