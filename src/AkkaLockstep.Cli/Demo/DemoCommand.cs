using System.Diagnostics;
using AkkaLockstep.Cli.Broker;
using AkkaLockstep.Cli.Faults;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Workload;
using AkkaLockstep.Gateway;
using Npgsql;

namespace AkkaLockstep.Cli.Demo;

/// <summary>Options of `lockstep demo`: <paramref name="Seconds"/> of steady load before the failures (or alone, without them).</summary>
public sealed record DemoSettings(bool Json, int Seconds, bool Faults, int Sessions);

/// <summary>
/// `lockstep demo`, the broker-database experiment: starts the local cluster if needed, protects the sql VM `broker`
/// holding a virtual-desktop broker's state, and runs PostgreSQL clients (Npgsql, through a gateway in this process
/// that reaches both hosts) doing log-ons, heartbeats, log-offs and queries with live progress through phases:
/// steady load, SIGKILL of the host holding the primary, its return, a host-to-host cut, its healing, and steady load
/// again. Then it reads both replicas back and checks the broker data against what the clients were told.
/// </summary>
public static class DemoCommand
{
    public const string VmName = "broker";
    private const string User = "broker";
    private const int Seed = 1;
    private static readonly TimeSpan FinalSteady = TimeSpan.FromSeconds(3);

    /// <returns>The process exit code: 0 when the report is clean.</returns>
    public static async Task<int> RunAsync(DemoSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        using var cluster = await LocalClusterAccess.EnsureUpAsync(context, ct);
        await progress.WriteLineAsync($"protecting sql VM '{VmName}' on two hosts…");
        await cluster.EnsureProtectedAsync(VmName, "sql", ct);

        var problems = new List<string>();
        BrokerWorkload workload;
        DemoFaults phases;
        double elapsed;
        await using (var gateway = cluster.StartGateway(User, "the demo", out var password))
        await using (var database = NpgsqlDataSource.Create(ConnectionString(gateway, password)))
        {
            workload = new BrokerWorkload(database, settings.Sessions, Seed);
            await progress.WriteLineAsync($"creating the broker tables ({workload.Layout.Groups.Count} desktop groups, " +
                                          $"{workload.Layout.Desktops.Count} desktops, {workload.Layout.Users.Count} users) through the " +
                                          $"PostgreSQL gateway on {gateway.LocalEndPoint}…");
            try
            {
                await workload.CreateDatabaseAsync(ct);
            }
            catch (NpgsqlException e)
            {
                throw new CliException($"cannot create the broker tables through the gateway: {e.Message}");
            }
            await progress.WriteLineAsync($"{settings.Sessions} client sessions logging users on and off (waiting for each to connect)…");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var clock = Stopwatch.StartNew();
            var stalls = new StallMeter();
            var running = workload.RunAsync(stop.Token);
            var reporting = ReportProgressAsync(workload.Counters, stalls, progress, clock, stop.Token);
            phases = new DemoFaults(cluster, FaultInjectors.For(null, cluster), workload.Counters, stalls, clock, progress);
            try
            {
                await phases.WarmUpAsync(settings.Sessions, ct);
                await phases.SteadyAsync("steady", TimeSpan.FromSeconds(settings.Seconds), ct);
                if (settings.Faults)
                {
                    await phases.RunFailuresAsync(VmName, ct);
                    await phases.SteadyAsync("final", FinalSteady, ct);
                }
            }
            catch (CliException e)
            {
                problems.Add($"phase {phases.Phases.Count + 1} did not complete: {e.Message}");
            }
            finally
            {
                await stop.CancelAsync();
                await running;
                await reporting;
            }
            elapsed = clock.Elapsed.TotalSeconds;
        }

        await progress.WriteLineAsync("reading both replicas back…");
        var counters = workload.Counters;
        problems.AddRange(counters.ErrorExamples.Select(e => $"client error: {e}"));
        var (first, second, applied) = await cluster.ReadBothSnapshotsAsync(VmName, ct);
        var identical = first.AsSpan().SequenceEqual(second);
        var ledger = workload.Ledger.ToList();
        var check = BrokerCheck.Run(ledger, BrokerReplica.Read(first));
        problems.AddRange(check.Problems);
        if (!identical)
        {
            var other = BrokerCheck.Run(ledger, BrokerReplica.Read(second));
            problems.Add($"the replicas differ; the second one's check: lost {other.Lost}, duplicated {other.Duplicated}, " +
                         $"double assignments {other.DoubleAssignments}");
            problems.AddRange(other.Problems.Select(p => $"second replica: {p}"));
        }

        var (p50, p99, _) = LatencyRecorder.Percentiles(workload.Latencies);
        var report = new DemoReport(VmName, settings.Sessions, Math.Round(elapsed, 1), counters.Sent, counters.Acked, counters.Failed,
            counters.Unknown, check.Lost, check.Duplicated, identical, applied, Math.Round(counters.Acked / elapsed), p50, p99,
            phases.Phases.Select(p => p.MaxStallMs).DefaultIfEmpty(0).Max(),
            counters.Answered(BrokerTransaction.Logon), counters.Answered(BrokerTransaction.LogonRefused),
            counters.Answered(BrokerTransaction.Logoff), counters.Answered(BrokerTransaction.Heartbeat),
            counters.Answered(BrokerTransaction.Query), check.UnknownCommitted, check.DoubleAssignments, phases.Phases, problems);

        if (settings.Json) await context.Output.WriteLineAsync(report.ToJson());
        else await report.WriteTextAsync(context.Output);
        return report.Clean ? 0 : 1;
    }

    /// <summary>
    /// One connection per client session, kept for its life. The command timeout is longer than the gateway's own
    /// limits (30 s without an answer, 60 s of Busy), so a client sees the gateway's error rather than its own.
    /// </summary>
    private static string ConnectionString(LockstepGateway gateway, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = gateway.LocalEndPoint.Address.ToString(),
        Port = gateway.LocalEndPoint.Port,
        Username = User,
        Password = password,
        Database = VmName,
        Pooling = false,
        Timeout = 30,
        CommandTimeout = 90,
    }.ConnectionString;

    /// <summary>Samples the answered transactions for the stall meter and prints a line a second until stopped.</summary>
    private static async Task ReportProgressAsync(BrokerCounters counters, StallMeter stalls, TextWriter progress, Stopwatch clock, CancellationToken ct)
    {
        long lastAcked = 0;
        var nextLine = 1000.0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(10, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = clock.Elapsed.TotalMilliseconds;
            var acked = counters.Acked;
            stalls.Sample(now, acked);
            if (now < nextLine) continue;
            await progress.WriteLineAsync($"  {now / 1000,5:0}s  transactions {acked,8:N0}  {acked - lastAcked,6:N0}/s  " +
                                          $"log-ons {counters.Answered(BrokerTransaction.Logon),7:N0}  " +
                                          $"log-offs {counters.Answered(BrokerTransaction.Logoff),7:N0}  errors {counters.Failed}");
            nextLine += 1000;
            lastAcked = acked;
        }
    }
}
