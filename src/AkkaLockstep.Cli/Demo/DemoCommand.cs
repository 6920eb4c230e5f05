using System.Diagnostics;
using System.Text.Json;
using AkkaLockstep.Cli.Faults;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Workload;

namespace AkkaLockstep.Cli.Demo;

/// <summary>Options of `lockstep demo`: <paramref name="Seconds"/> of steady writes before the failures (or alone, without them).</summary>
public sealed record DemoSettings(bool Json, int Seconds, bool Faults);

/// <summary>What `lockstep demo --json` prints.</summary>
public sealed record DemoReport(string Vm, int Sessions, double Seconds, long Sent, long Acked, long Failed, long Lost, long Duplicated,
    bool ReplicasIdentical, long AppliedIndex, double OpsPerS, double P50Ms, double P99Ms, double MaxStallMs,
    IReadOnlyList<DemoPhase> Phases, IReadOnlyList<string> Problems);

/// <summary>
/// `lockstep demo`: starts the local cluster if needed, protects the kv VM `demo`, and runs a client stream with live
/// progress through phases: steady writes, SIGKILL of the host holding the primary, its return, a host-to-host cut,
/// its healing, and steady writes again. Then it reads both replicas back and checks that nothing acknowledged was
/// lost or doubled and that the clients saw no error.
/// </summary>
public static class DemoCommand
{
    public const string VmName = "demo";
    private const int Sessions = 32;
    private static readonly TimeSpan FinalSteady = TimeSpan.FromSeconds(3);

    /// <returns>The process exit code: 0 when the report is clean.</returns>
    public static async Task<int> RunAsync(DemoSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        using var cluster = await LocalClusterAccess.EnsureUpAsync(context, ct);
        await progress.WriteLineAsync($"protecting kv VM '{VmName}' on two hosts…");
        await cluster.EnsureProtectedAsync(VmName, ct);
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(30));

        var runId = $"run-{DateTime.UtcNow:yyyyMMddHHmmss}";
        var stream = new KvStream(client, VmName, runId, Sessions);
        await progress.WriteLineAsync($"{Sessions} sessions writing (keys under {runId}/)…");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var stalls = new StallMeter();
        var running = stream.RunAsync(withCounters: true, stop.Token);
        var reporting = ReportProgressAsync(stream, stalls, progress, clock, stop.Token);
        var phases = new DemoFaults(cluster, FaultInjectors.For(null, cluster), stream, stalls, clock, progress);
        var problems = new List<string>();
        try
        {
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
        var elapsed = clock.Elapsed.TotalSeconds;

        await progress.WriteLineAsync("reading both replicas back…");
        var (first, _, identical, applied) = await cluster.ReadBothAsync(VmName, ct);
        var verification = KvVerification.Check(stream, first);
        problems.AddRange(verification.Examples);
        var (p50, p99, _) = LatencyRecorder.Percentiles(stream.Latencies);
        var maxStall = phases.Phases.Select(p => p.MaxStallMs).DefaultIfEmpty(0).Max();
        var report = new DemoReport(VmName, Sessions, Math.Round(elapsed, 1), stream.Sent, stream.Acked, stream.Failed,
            verification.Lost, verification.Duplicated, identical, applied, Math.Round(stream.Acked / elapsed), p50, p99,
            maxStall, phases.Phases, problems);

        if (settings.Json) await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions));
        else await WriteReportAsync(report, context.Output);
        return report.Lost == 0 && report.Duplicated == 0 && report.ReplicasIdentical && report.Failed == 0 && problems.Count == 0 ? 0 : 1;
    }

    /// <summary>Samples the stream for the stall meter and prints a line a second until stopped.</summary>
    private static async Task ReportProgressAsync(KvStream stream, StallMeter stalls, TextWriter progress, Stopwatch clock, CancellationToken ct)
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
            var acked = stream.Acked;
            stalls.Sample(now, acked);
            if (now < nextLine) continue;
            await progress.WriteLineAsync($"  {now / 1000,5:0}s  sent {stream.Sent,9:N0}  acked {acked,9:N0}  {acked - lastAcked,8:N0} ops/s  failed {stream.Failed}");
            nextLine += 1000;
            lastAcked = acked;
        }
    }

    private static async Task WriteReportAsync(DemoReport r, TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"demo report for VM '{r.Vm}' ({r.Sessions} sessions, {r.Seconds} s)");
        if (r.Phases.Count > 1)
        {
            await output.WriteLineAsync($"  {"PHASE",-13} {"SECONDS",8} {"ACKED",10} {"ERRORS",7} {"MAX STALL",11} {"BACK TO DUPLEX",15}");
            foreach (var p in r.Phases)
            {
                var duplex = p.DuplexAfterS is { } d ? $"{d:0.0} s" : "";
                await output.WriteLineAsync($"  {p.Name,-13} {p.Seconds,8:0.0} {p.Acked,10:N0} {p.Failed,7} {p.MaxStallMs,8:N0} ms {duplex,15}");
            }
        }
        await output.WriteLineAsync($"  sent                {r.Sent,12:N0}");
        await output.WriteLineAsync($"  acknowledged        {r.Acked,12:N0}   ({r.OpsPerS:N0} ops/s, p50 {r.P50Ms} ms, p99 {r.P99Ms} ms)");
        await output.WriteLineAsync($"  failed              {r.Failed,12:N0}");
        await output.WriteLineAsync($"  lost                {r.Lost,12:N0}");
        await output.WriteLineAsync($"  duplicated          {r.Duplicated,12:N0}");
        await output.WriteLineAsync($"  replicas identical  {(r.ReplicasIdentical ? "yes" : "NO"),12}   (both at input {r.AppliedIndex:N0})");
        await output.WriteLineAsync($"  longest stall       {r.MaxStallMs,9:N1} ms");
        foreach (var problem in r.Problems) await output.WriteLineAsync($"  ! {problem}");
    }

    private static readonly JsonSerializerOptions JsonOptions = Output.CliJson.Options;
}
