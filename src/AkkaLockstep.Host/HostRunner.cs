using System.Net;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaLockstep.Host.ClientEndpoint;
using AkkaLockstep.Host.Cluster;
using AkkaLockstep.Host.Cluster.Links;
using AkkaLockstep.Host.CommandEndpoint;
using AkkaLockstep.Host.Endpoints;
using AkkaLockstep.Host.Faults;
using AkkaLockstep.Host.Persistence;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Host.Replication.ReplicationLink;
using AkkaLockstep.Host.Witness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host;

/// <summary>
/// Runs one `lockstep host` or `lockstep witness` process until cancelled. A member that is downed (it lost the
/// witness's arbitration, or was cut off) starts a new actor system and rejoins by itself once it can reach a
/// seed; a member that cannot join at its first start, or whose name is taken, stops with an error.
/// </summary>
public static class HostRunner
{
    private sealed class PlacementCoordinatorKey;

    /// <summary>How long a fresh member waits for any seed to answer before refusing to start.</summary>
    public static readonly TimeSpan FirstJoinTimeout = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(HostOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.DataDir);
        // Checked before anything starts, so a damaged journal is one clear error rather than a failed host start.
        if (options.PostgresConnectionString is null) SqliteJournalFile.EnsureWal(Path.Combine(options.DataDir, SqliteJournalFile.FileName));
        var faults = new FaultSwitch();
        for (var rejoining = false; ; rejoining = true)
        {
            if (await RunIncarnationAsync(options, faults, rejoining, ct).ConfigureAwait(false) is not { } ended) return;
            Console.WriteLine($"{options.Role} {options.Name} {ended}; starting again to rejoin");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One actor system's life. Why it ended when this member should start again and rejoin; null to stop.</summary>
    private static async Task<string?> RunIncarnationAsync(HostOptions options, FaultSwitch faults, bool rejoining, CancellationToken ct)
    {
        var directory = new HostDirectory(options, faults);
        var isHost = options.Role == HostOptions.HostRole;
        // Bound before the actor system starts: its port is announced in this member's roles.
        await using var replicationServer = isHost ? new ReplicationLinkServer(new IPEndPoint(IPAddress.Parse(ResolveAddress(options.Hostname)), options.ReplicationPort)) : null;

        var builder = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureLogging(logging => logging.ClearProviders().AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }).SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(services =>
            {
                services.AddSingleton(directory);
                services.AddAkka(HostOptions.ActorSystemName, (akka, _) =>
                {
                    akka.AddHocon(AkkaHocon.Base, HoconAddMode.Prepend)
                        .AddHocon(AkkaHocon.Roles(HostDirectory.RolesFor(options, replicationServer?.Port ?? 0)), HoconAddMode.Prepend)
                        .AddHocon(AkkaHocon.JoinTimeout(rejoining ? null : FirstJoinTimeout), HoconAddMode.Prepend)
                        .WithRemoting(options.Hostname, options.Port)
                        .WithClustering(new ClusterOptions { SeedNodes = options.Seeds.ToArray() })
                        .AddLockstepPersistence(options.DataDir, options.PostgresConnectionString)
                        .WithActors((system, _) =>
                        {
                            FaultSwitches.Register(system, faults);
                            system.ActorOf(MembershipActor.Props(directory), "membership");
                            system.ActorOf(LinkWatchdogActor.Props(), "link-watchdog");
                            system.ActorOf(PlacementStoreActor.Props(directory), "placement-store");
                            if (isHost) system.ActorOf(ReplicaManagerActor.Props(directory), "replicas");
                            else system.ActorOf(WitnessActor.Props(faults), "witness");
                        });
                    if (isHost)
                        akka.WithSingleton<PlacementCoordinatorKey>("placement-coordinator", PlacementCoordinatorActor.Props(TimeSpan.FromSeconds(options.SpareAfterSeconds)),
                            new ClusterSingletonOptions { Role = HostOptions.HostRole }, createProxyToo: true);
                    else
                        akka.WithSingletonProxy<PlacementCoordinatorKey>("placement-coordinator",
                            new ClusterSingletonOptions { Role = HostOptions.HostRole });
                });
            });

        using var host = builder.Build();
        await host.StartAsync(ct).ConfigureAwait(false);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var loggerFactory = host.Services.GetRequiredService<ILoggerFactory>();
        var coordinator = await registry.GetAsync<PlacementCoordinatorKey>(ct).ConfigureAwait(false);
        await using var replicationLinks = isHost ? new ReplicationLinks(directory, loggerFactory.CreateLogger<ReplicationLinks>()) : null;
        directory.ReplicationLinks = replicationLinks;
        replicationServer?.Start(envelope =>
        {
            if (!faults.Cuts(envelope.FromHost)) directory.LocalReplica(envelope.Vm)?.Tell(envelope);
        }, loggerFactory.CreateLogger<ReplicationLinkServer>());

        await using var commandEndpoint = options.CommandPort > 0
            ? new CommandEndpointServer(new ClusterCommandApi(system, directory, coordinator), options.Hostname, options.CommandPort,
                loggerFactory.CreateLogger<CommandEndpointServer>())
            : null;
        await using var clientEndpoint = isHost && options.ClientPort > 0
            ? new ClientEndpointServer(new IPEndPoint(IPAddress.Parse(ResolveAddress(options.Hostname)), options.ClientPort),
                new ClientRequestRouter(directory), loggerFactory.CreateLogger<ClientEndpointServer>())
            : null;
        if (commandEndpoint is not null) await commandEndpoint.StartAsync(ct).ConfigureAwait(false);
        if (clientEndpoint is not null) await clientEndpoint.StartAsync(ct).ConfigureAwait(false);
        Console.WriteLine($"{options.Role} {options.Name} up: remoting {options.Hostname}:{options.Port}" +
                          (clientEndpoint is null ? "" : $", clients {options.Hostname}:{clientEndpoint.Port}") +
                          (replicationServer is null ? "" : $", replication {options.Hostname}:{replicationServer.Port}") +
                          (commandEndpoint is null ? "" : $", commands {commandEndpoint.BaseAddress}") + $", data {options.DataDir}");

        // Stop on cancellation, or when the actor system terminates (e.g. this node was downed).
        await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), system.WhenTerminated).ConfigureAwait(false);
        if (clientEndpoint is not null) await clientEndpoint.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (commandEndpoint is not null) await commandEndpoint.StopAsync(CancellationToken.None).ConfigureAwait(false);
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (ct.IsCancellationRequested) return null;
        if (directory.FatalError is { } fatal) throw new HostRefusedException(fatal);
        if (reason is CoordinatedShutdown.ClusterJoinUnsuccessfulReason)
            throw new HostRefusedException($"could not join the cluster: no seed answered within {FirstJoinTimeout.TotalSeconds:0} s " +
                                           $"(seeds: {string.Join(", ", options.Seeds)}); check --seeds and that a seed is running");
        return reason is LinkWedgedReason ? "restarted its actor system to clear a wedged remoting link" : "was removed from the cluster";
    }

    /// <summary>The IPv4 address to bind for <paramref name="hostname"/> (an address, localhost, or a name to look up).</summary>
    public static string ResolveAddress(string hostname) =>
        IPAddress.TryParse(hostname, out _) ? hostname
            : hostname == "localhost" ? "127.0.0.1"
            : Dns.GetHostAddresses(hostname).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToString();
}
