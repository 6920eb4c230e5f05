using System.Buffers.Binary;
using System.Diagnostics;
using AkkaLockstep.Client;

namespace AkkaLockstep.Cli.Workload;

/// <summary>
/// A stream of kv writes from concurrent sessions, each writing fresh keys of its own, with per-session latencies:
/// the load of `lockstep bench`.
/// </summary>
public sealed class KvStream(LockstepClient client, string vm, string runId, int sessions, int valueBytes = 100)
{
    private long _sent, _acked, _failed;

    public long Sent => Interlocked.Read(ref _sent);
    public long Acked => Interlocked.Read(ref _acked);
    public long Failed => Interlocked.Read(ref _failed);
    public List<LatencyRecorder> Latencies { get; } = [];

    /// <summary>Runs until <paramref name="ct"/> is cancelled; each session finishes its request in flight first.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var tasks = new Task[sessions];
        for (var s = 0; s < sessions; s++)
        {
            var latency = new LatencyRecorder();
            lock (Latencies) Latencies.Add(latency);
            var index = s;
            tasks[s] = Task.Run(() => SessionAsync(index, latency, ct), CancellationToken.None);
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task SessionAsync(int index, LatencyRecorder latency, CancellationToken ct)
    {
        var session = client.OpenKvSession(vm);
        var value = new byte[valueBytes];
        for (long n = 0; !ct.IsCancellationRequested; n++)
        {
            Interlocked.Increment(ref _sent);
            var start = Stopwatch.GetTimestamp();
            try
            {
                BinaryPrimitives.WriteInt64LittleEndian(value, n);
                await session.PutAsync($"{runId}/s{index}/{n}", value.ToArray()).ConfigureAwait(false);
                latency.Record(start);
                Interlocked.Increment(ref _acked);
            }
            catch (Exception e) when (e is LockstepException or TimeoutException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
                return;
            }
        }
    }
}
