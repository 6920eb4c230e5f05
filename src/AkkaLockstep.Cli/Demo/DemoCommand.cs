using System.Diagnostics;
using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Workload;

namespace AkkaLockstep.Cli.Demo;

/// <summary>Options of `lockstep demo`.</summary>
public sealed record DemoSettings(bool Json, int Seconds);

/// <summary>What `lockstep demo --json` prints.</summary>
public sealed record DemoReport(string Vm, int Sessions, double Seconds, long Sent, long Acked, long Failed, long Lost, long Duplicated,
    bool ReplicasIdentical, long AppliedIndex, double OpsPerS, double P50Ms, double P99Ms, double MaxStallMs, IReadOnlyList<string> Problems);

/// <summary>
/// `lockstep demo`: starts the local cluster if needed, protects the kv VM `demo`, runs a client stream with
/// live progress, then reads both replicas back and checks that nothing acknowledged was lost or doubled.
/// </summary>
public static class DemoCommand
{
    public const string VmName = "demo";
    private const int Sessions = 32;

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
        await progress.WriteLineAsync($"{Sessions} sessions writing for {settings.Seconds} s (keys under {runId}/)…");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var running = stream.RunAsync(withCounters: true, stop.Token);
        var maxStall = await ReportProgressAsync(stream, settings.Seconds, progress, clock, ct);
        stop.Cancel();
        await running;
        var elapsed = clock.Elapsed.TotalSeconds;

        await progress.WriteLineAsync("reading both replicas back…");
        var (first, _, identical, applied) = await cluster.ReadBothAsync(VmName, ct);
        var verification = KvVerification.Check(stream, first);
        var (p50, p99, _) = LatencyRecorder.Percentiles(stream.Latencies);
        var report = new DemoReport(VmName, Sessions, Math.Round(elapsed, 1), stream.Sent, stream.Acked, stream.Failed,
            verification.Lost, verification.Duplicated, identical, applied, Math.Round(stream.Acked / elapsed), p50, p99,
            Math.Round(maxStall, 1), verification.Examples);

        if (settings.Json) await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions));
        else await WriteReportAsync(report, context.Output);
        return report.Lost == 0 && report.Duplicated == 0 && report.ReplicasIdentical && report.Failed == 0 ? 0 : 1;
    }

    /// <summary>Prints a line a second until the time is up; returns the longest gap seen between acknowledgements.</summary>
    private static async Task<double> ReportProgressAsync(KvStream stream, int seconds, TextWriter progress, Stopwatch clock, CancellationToken ct)
    {
        long lastAcked = 0;
        double maxStall = 0, lastProgressMs = 0;
        var nextLine = 1000.0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(20, ct);
            var now = clock.Elapsed.TotalMilliseconds;
            var acked = stream.Acked;
            if (acked != lastAcked)
            {
                maxStall = Math.Max(maxStall, now - lastProgressMs);
                lastProgressMs = now;
            }
            if (now >= nextLine)
            {
                await progress.WriteLineAsync($"  {now / 1000,5:0}s  sent {stream.Sent,9:N0}  acked {acked,9:N0}  {(acked - lastAcked) * 1000 / Math.Max(1, now - (nextLine - 1000)),8:N0} ops/s  failed {stream.Failed}");
                nextLine += 1000;
                lastAcked = acked;
            }
        }
        return maxStall;
    }

    private static async Task WriteReportAsync(DemoReport r, TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"demo report for VM '{r.Vm}' ({r.Sessions} sessions, {r.Seconds} s)");
        await output.WriteLineAsync($"  sent                {r.Sent,12:N0}");
        await output.WriteLineAsync($"  acknowledged        {r.Acked,12:N0}   ({r.OpsPerS:N0} ops/s, p50 {r.P50Ms} ms, p99 {r.P99Ms} ms)");
        await output.WriteLineAsync($"  failed              {r.Failed,12:N0}");
        await output.WriteLineAsync($"  lost                {r.Lost,12:N0}");
        await output.WriteLineAsync($"  duplicated          {r.Duplicated,12:N0}");
        await output.WriteLineAsync($"  replicas identical  {(r.ReplicasIdentical ? "yes" : "NO"),12}   (both at input {r.AppliedIndex:N0})");
        await output.WriteLineAsync($"  longest stall       {r.MaxStallMs,9:N1} ms");
        foreach (var problem in r.Problems) await output.WriteLineAsync($"  ! {problem}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
