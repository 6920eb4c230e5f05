using System.Diagnostics;
using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Workload;

namespace AkkaLockstep.Cli.Bench;

/// <summary>Options of `lockstep bench`.</summary>
public sealed record BenchSettings(bool Json, int Seconds, int Sessions);

public sealed record BenchMode(string Mode, double OpsPerS, double P50Ms, double P99Ms, double MaxMs, long Ops, long Failed);

public sealed record BenchReport(IReadOnlyList<BenchMode> Modes, double RatioDuplexUnprotected, int Sessions, int Seconds,
    int ValueBytes, int Cores, string Date);

/// <summary>
/// `lockstep bench`: kv writes from concurrent sessions for a fixed time against an unprotected VM (one replica,
/// journal on, no peer) and a duplex VM, both with their primary on h1, in the same run.
/// </summary>
public static class BenchCommand
{
    private const int ValueBytes = 100;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(BenchSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        using var cluster = await LocalClusterAccess.EnsureUpAsync(context, ct);
        var modes = new List<BenchMode>();
        foreach (var (mode, hosts, ready) in new[] { ("unprotected", new[] { "h1" }, "unprotected"), ("duplex", new[] { "h1", "h2" }, "duplex") })
        {
            var vm = $"bench-{mode}";
            await progress.WriteLineAsync($"{mode}: protecting {vm} on {string.Join(",", hosts)}…");
            await cluster.ProtectFreshAsync(vm, hosts, ready, ct);
            await using (var client = cluster.NewClient(TimeSpan.FromSeconds(30)))
            {
                await RunForAsync(new KvStream(client, vm, "warmup", settings.Sessions, ValueBytes), WarmUp, ct);
                var stream = new KvStream(client, vm, "bench", settings.Sessions, ValueBytes);
                var elapsed = await RunForAsync(stream, TimeSpan.FromSeconds(settings.Seconds), ct);
                var (p50, p99, max) = LatencyRecorder.Percentiles(stream.Latencies);
                var result = new BenchMode(mode, Math.Round(stream.Acked / elapsed.TotalSeconds), p50, p99, max, stream.Acked, stream.Failed);
                modes.Add(result);
                await progress.WriteLineAsync($"{mode}: {result.OpsPerS:N0} ops/s, p50 {p50} ms, p99 {p99} ms");
            }
            await cluster.UnprotectAsync(vm, ct);
        }
        var ratio = modes[0].OpsPerS > 0 ? Math.Round(modes[1].OpsPerS / modes[0].OpsPerS, 3) : 0;
        var report = new BenchReport(modes, ratio, settings.Sessions, settings.Seconds, ValueBytes, Environment.ProcessorCount,
            DateTime.UtcNow.ToString("yyyy-MM-dd"));
        if (settings.Json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions));
        }
        else
        {
            await context.Output.WriteLineAsync($"{"MODE",-12} {"OPS/S",10} {"P50 MS",8} {"P99 MS",8} {"MAX MS",8}");
            foreach (var m in modes) await context.Output.WriteLineAsync($"{m.Mode,-12} {m.OpsPerS,10:N0} {m.P50Ms,8} {m.P99Ms,8} {m.MaxMs,8}");
            await context.Output.WriteLineAsync($"duplex / unprotected = {ratio}");
        }
        return modes.All(m => m.Failed == 0) ? 0 : 1;
    }

    private static async Task<TimeSpan> RunForAsync(KvStream stream, TimeSpan duration, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        stop.CancelAfter(duration);
        await stream.RunAsync(stop.Token);
        return clock.Elapsed;
    }

    private static readonly JsonSerializerOptions JsonOptions = Output.CliJson.Options;
}
