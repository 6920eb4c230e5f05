using System.Diagnostics;
using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Client;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Bench;

/// <summary>Options of `lockstep bench resync`.</summary>
/// <param name="Missed">Writes the secondary misses while its host is down, one run each.</param>
/// <param name="FullCopyMb">Size of the state copied whole to a returning replica that is too far behind (0: skip).</param>
/// <param name="Keep">Leave each cluster's folder (the members' logs) in place after it is stopped.</param>
public sealed record ResyncSettings(bool Json, IReadOnlyList<int> Missed, int FullCopyMb, int Sessions, bool Keep = false);

/// <param name="Seconds">From the restart of the secondary's host to duplex (includes the host rejoining the cluster).</param>
/// <param name="CatchUpSeconds">From the primary first seeing its peer catch up to duplex (null: too quick to see).</param>
/// <param name="Pacing">Client latency with and without the catch-up.</param>
public sealed record IncrementalResync(long Missed, double Seconds, double? CatchUpSeconds, ResyncPacing Pacing);

/// <summary>
/// p99 of a steady probe load (<see cref="ResyncBench.ProbeSessions"/> sessions writing one value after another) while
/// the pair is duplex, and while the returning replica catches up (from the restart if the catch-up was too quick to
/// see); the target is resync ≤ 2× steady.
/// </summary>
public sealed record ResyncPacing(double SteadyP99Ms, double ResyncP99Ms, int SteadyWrites, int ResyncWrites, int Errors)
{
    public double Ratio => SteadyP99Ms > 0 ? Math.Round(ResyncP99Ms / SteadyP99Ms, 2) : 0;
}

/// <param name="FullCopyMbPerS">The full copy with nothing else running: from the primary first seeing its peer resync to duplex.</param>
/// <param name="FullCopyTransferMbPerS">Its transfer alone, as the primary logs it (without the install).</param>
/// <param name="FullCopyUnderLoadMbPerS">The same while the probe load writes, which shares the machine with the copy.</param>
public sealed record ResyncReport(IReadOnlyList<IncrementalResync> Incremental, double? FullCopyMbPerS, int FullCopyMb,
    double? FullCopySeconds, double? FullCopyTransferMbPerS, double? FullCopyUnderLoadMbPerS, double? FullCopyUnderLoadSeconds,
    ResyncPacing? FullCopyPacing, int Sessions, int Cores, string Date);

/// <summary>
/// `lockstep bench resync`: how long a returning replica takes to be duplex again. Each run kills the secondary's
/// host of a fresh kv VM, writes N inputs to the primary alone, restarts the host and watches the VM until it is
/// duplex. A second cluster, which keeps no inputs behind its snapshots, measures the full copy of a large state.
/// The benchmark runs its own clusters in temporary folders on free ports and removes them afterwards.
/// </summary>
public static class ResyncBench
{
    private const int ValueBytes = 100;
    private const int FullCopyValueBytes = 1 << 20;
    private static readonly TimeSpan DuplexTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(30);
    public const int ProbeSessions = 4;
    private static readonly TimeSpan SteadyWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(ResyncSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        var incremental = new List<IncrementalResync>();
        // The primary keeps every missed input, so each run is an incremental catch-up.
        var retain = (2L * settings.Missed.DefaultIfEmpty(0).Max()).ToString();
        await WithClusterAsync(context, settings, ["--retain-inputs", retain], async cluster =>
        {
            foreach (var missed in settings.Missed)
            {
                var (seconds, catchUp, pacing, _) = await MissAndReturnAsync(cluster, $"resync-{missed}", missed, ValueBytes, settings.Sessions, progress, ct);
                incremental.Add(new IncrementalResync(missed, seconds, catchUp, pacing!));
                await progress.WriteLineAsync($"incremental: {missed:N0} missed writes, duplex {seconds:0.0} s after the restart" +
                                              (catchUp is { } c ? $" ({c:0.0} s catching up)" : "") + "; " + Describe(pacing!));
            }
        }, ct);

        double? fullSeconds = null, loadedSeconds = null, transferRate = null;
        ResyncPacing? fullPacing = null;
        if (settings.FullCopyMb > 0)
        {
            // Snapshots every 64 inputs and nothing retained behind them: the returning replica needs a full copy. Once
            // alone (its throughput), once with the probe load writing (the clients' latency meanwhile).
            await WithClusterAsync(context, settings, ["--snapshot-every", "64", "--retain-inputs", "0"], async cluster =>
            {
                var (seconds, catchUp, _, primary) = await MissAndReturnAsync(cluster, "resync-full", settings.FullCopyMb, FullCopyValueBytes,
                    Math.Min(settings.Sessions, 4), progress, ct, probe: false);
                fullSeconds = catchUp ?? seconds;
                transferRate = CopyTransferLog.MbPerSecond(CopyTransferLog.Last(
                    await File.ReadAllLinesAsync(cluster.Members.Single(m => m.Name == primary).Log, ct), "resync-full"));
                await progress.WriteLineAsync($"full copy: {settings.FullCopyMb} MiB in {fullSeconds:0.0} s with no client load " +
                                              $"(transfer {transferRate?.ToString("0.0") ?? "not logged"} MB/s)");
                (seconds, catchUp, fullPacing, _) = await MissAndReturnAsync(cluster, "resync-full-load", settings.FullCopyMb, FullCopyValueBytes,
                    Math.Min(settings.Sessions, 4), progress, ct, probe: true);
                loadedSeconds = catchUp ?? seconds;
                await progress.WriteLineAsync($"full copy: {settings.FullCopyMb} MiB in {loadedSeconds:0.0} s under the probe load; {Describe(fullPacing!)}");
            }, ct);
        }

        double? Rate(double? seconds) => seconds is > 0 ? Math.Round(settings.FullCopyMb * 1.048576 / seconds.Value, 1) : null;
        var report = new ResyncReport(incremental, Rate(fullSeconds), settings.FullCopyMb, fullSeconds, transferRate, Rate(loadedSeconds),
            loadedSeconds, fullPacing, settings.Sessions, Environment.ProcessorCount, DateTime.UtcNow.ToString("yyyy-MM-dd"));
        if (settings.Json) await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, Output.CliJson.Options));
        else
        {
            await context.Output.WriteLineAsync($"{"MISSED",10} {"TO DUPLEX S",12} {"CATCH-UP S",11} {"P99 STEADY",11} {"P99 RESYNC",11}");
            foreach (var r in incremental)
                await context.Output.WriteLineAsync($"{r.Missed,10:N0} {r.Seconds,12:0.0} {(r.CatchUpSeconds is { } c ? c.ToString("0.0") : "-"),11} " +
                                                    $"{r.Pacing.SteadyP99Ms,8:0.0} ms {r.Pacing.ResyncP99Ms,8:0.0} ms");
            if (report.FullCopyMbPerS is { } rate)
                await context.Output.WriteLineAsync($"full copy of {settings.FullCopyMb} MiB: {rate:0.0} MB/s alone (transfer " +
                                                    $"{report.FullCopyTransferMbPerS?.ToString("0.0") ?? "-"} MB/s), " +
                                                    $"{report.FullCopyUnderLoadMbPerS:0.0} MB/s under the probe load; {Describe(report.FullCopyPacing!)}");
        }
        return 0;
    }

    /// <summary>A cluster of our own in a temporary folder, stopped whatever happens, and deleted unless asked to keep it.</summary>
    private static async Task WithClusterAsync(CliContext context, ResyncSettings settings, IReadOnlyList<string> hostFlags,
        Func<LocalClusterAccess, Task> work, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("lockstep-bench-resync-").FullName;
        var own = context with { Environment = context.Environment with { StateDirectory = Path.Combine(folder, ".lockstep") } };
        try
        {
            using var cluster = await LocalClusterAccess.EnsureUpAsync(own, ct, basePort: PortScheme.FindFreeBase(own.Environment.StateDirectory),
                hostFlags: hostFlags);
            await work(cluster);
        }
        finally
        {
            await CliApp.RunAsync(["down"], own.Environment, new() { Output = TextWriter.Null, Error = TextWriter.Null });
            if (settings.Keep) await context.Error.WriteLineAsync($"kept {folder}");
            else Directory.Delete(folder, recursive: true);
        }
    }

    private static string Describe(ResyncPacing p) =>
        $"client p99 {p.SteadyP99Ms:0.0} ms duplex, {p.ResyncP99Ms:0.0} ms resyncing ({p.Ratio:0.00}x, {p.ResyncWrites:N0} writes" +
        (p.Errors > 0 ? $", {p.Errors} failed" : "") + ")";

    /// <returns>
    /// Seconds from the restart to duplex, and from the first sight of the catch-up to duplex; the probe load's latency;
    /// the host that stayed (its log tells how the copy went).
    /// </returns>
    private static async Task<(double Seconds, double? CatchUp, ResyncPacing? Pacing, string Primary)> MissAndReturnAsync(LocalClusterAccess cluster,
        string vm, int writes, int valueBytes, int sessions, TextWriter progress, CancellationToken ct, bool probe = true)
    {
        await cluster.ProtectFreshAsync(vm, ["h1", "h2"], "duplex", ct);
        await using var probeClient = cluster.NewClient(TimeSpan.FromSeconds(60));
        await using var load = probe ? new LatencyProbe(probeClient, vm, ProbeSessions) : null;
        var steady = (P99Ms: 0.0, Writes: 0);
        if (load is not null)
        {
            // The fresh VM's first writes (connections, code paths run for the first time) are not its steady state.
            await Task.Delay(WarmUp, ct);
            var steadyFrom = LatencyProbe.Now;
            await Task.Delay(SteadyWindow, ct);
            steady = load.P99Between(steadyFrom, LatencyProbe.Now);
        }
        // The host whose replica is secondary now: h1 is preferred, but a pair may have failed over since it formed.
        var pair = await DescribeAsync(cluster, vm, ct);
        var primary = pair.Primary ?? throw new CliException($"{vm} has no primary before the benchmark kills a host");
        var secondary = pair.Hosts.Single(h => h != primary);
        await cluster.KillAsync(secondary, ct);
        await progress.WriteLineAsync($"{vm}: {secondary} killed; writing {writes:N0} inputs of {valueBytes:N0} bytes to the primary alone…");
        await using (var client = cluster.NewClient(TimeSpan.FromSeconds(60)))
            await WriteAsync(client, vm, writes, valueBytes, sessions, ct);

        cluster.Restart(secondary);
        var clock = Stopwatch.StartNew();
        var restartedAt = LatencyProbe.Now;
        double? resyncSeen = null;
        long? resyncFrom = null;
        while (true)
        {
            var info = await cluster.TryDescribeAsync(vm, ct);
            if (info?.State == "duplex") break;
            if (info?.State == "resyncing" && resyncSeen is null)
            {
                resyncSeen = clock.Elapsed.TotalSeconds;
                resyncFrom = LatencyProbe.Now;
            }
            if (clock.Elapsed > DuplexTimeout) throw new CliException($"{vm} not duplex {DuplexTimeout.TotalMinutes} minutes after {secondary} returned");
            await Task.Delay(50, ct);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        ResyncPacing? pacing = null;
        if (load is not null)
        {
            var resync = load.P99Between(resyncFrom ?? restartedAt, LatencyProbe.Now);
            pacing = new ResyncPacing(steady.P99Ms, resync.P99Ms, steady.Writes, resync.Writes, load.Errors);
            await load.DisposeAsync();
        }
        await cluster.UnprotectAsync(vm, ct);
        return (Math.Round(seconds, 2), resyncSeen is { } seen ? Math.Round(seconds - seen, 2) : null, pacing, primary);
    }

    /// <summary>
    /// The VM as the hosts describe it. Right after a 1 GiB copy both hosts may be too busy (the new disk written and
    /// hashed) to answer within a request's 3 s: asked again for a while before the VM counts as gone.
    /// </summary>
    private static async Task<VmInfo> DescribeAsync(LocalClusterAccess cluster, string vm, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await cluster.TryDescribeAsync(vm, ct) is { } info) return info;
            if (clock.Elapsed > DescribeTimeout) throw new CliException($"no host described {vm} for {DescribeTimeout.TotalSeconds} s before the benchmark could kill a host");
            await Task.Delay(500, ct);
        }
    }

    private static async Task WriteAsync(LockstepClient client, string vm, int writes, int valueBytes, int sessions, CancellationToken ct)
    {
        var next = -1;
        var value = new byte[valueBytes];
        Random.Shared.NextBytes(value);
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(_ => Task.Run(async () =>
        {
            var session = client.OpenKvSession(vm);
            for (var i = Interlocked.Increment(ref next); i < writes; i = Interlocked.Increment(ref next))
                await session.PutAsync($"k{i}", value, ct);
        }, ct)));
    }
}
