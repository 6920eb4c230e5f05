using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Client;

namespace AkkaLockstep.Cli.Workload;

/// <summary>
/// A stream of kv writes from concurrent sessions, recording what was acknowledged so it can be checked
/// against the replicas afterwards. Each session writes its own keys and bumps its own counter with
/// compare-and-set: a doubled execution would make a CAS fail or leave the counter above its acknowledged bumps.
/// </summary>
public sealed class KvStream(LockstepClient client, string vm, string runId, int sessions, int valueBytes = 100)
{
    private long _sent, _acked, _failed, _casMismatches;
    private readonly ConcurrentDictionary<string, byte[]> _ackedValues = new();
    private readonly ConcurrentDictionary<string, long> _ackedCounters = new();
    private readonly ConcurrentDictionary<string, long> _uncertainCounters = new();

    public long Sent => Interlocked.Read(ref _sent);
    public long Acked => Interlocked.Read(ref _acked);
    public long Failed => Interlocked.Read(ref _failed);
    public long CasMismatches => Interlocked.Read(ref _casMismatches);
    public IReadOnlyDictionary<string, byte[]> AckedValues => _ackedValues;
    public IReadOnlyDictionary<string, long> AckedCounters => _ackedCounters;
    /// <summary>Counters whose last bump failed without an answer: it may or may not have been applied.</summary>
    public IReadOnlyDictionary<string, long> UncertainCounters => _uncertainCounters;
    public List<LatencyRecorder> Latencies { get; } = [];

    /// <summary>Runs until <paramref name="ct"/> is cancelled; each session finishes its request in flight first.</summary>
    public async Task RunAsync(bool withCounters, CancellationToken ct)
    {
        var tasks = new Task[sessions];
        for (var s = 0; s < sessions; s++)
        {
            var latency = new LatencyRecorder();
            lock (Latencies) Latencies.Add(latency);
            var index = s;
            tasks[s] = Task.Run(() => SessionAsync(index, withCounters, latency, ct), CancellationToken.None);
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task SessionAsync(int index, bool withCounters, LatencyRecorder latency, CancellationToken ct)
    {
        var session = client.OpenKvSession(vm);
        var counterKey = $"{runId}/c{index}";
        long counter = 0;
        var value = new byte[valueBytes];
        for (long n = 0; !ct.IsCancellationRequested; n++)
        {
            var bump = withCounters && n % 4 == 3;
            var key = bump ? counterKey : $"{runId}/s{index}/{n}";
            Interlocked.Increment(ref _sent);
            var start = Stopwatch.GetTimestamp();
            try
            {
                if (bump)
                {
                    var ok = await session.CompareAndSetAsync(key, counter == 0 ? null : Encode(counter), Encode(counter + 1)).ConfigureAwait(false);
                    if (!ok) Interlocked.Increment(ref _casMismatches);
                    else _ackedCounters[key] = ++counter;
                }
                else
                {
                    BinaryPrimitives.WriteInt64LittleEndian(value, n);
                    var copy = value.ToArray();
                    await session.PutAsync(key, copy).ConfigureAwait(false);
                    _ackedValues[key] = copy;
                }
                latency.Record(start);
                Interlocked.Increment(ref _acked);
            }
            catch (Exception e) when (e is LockstepException or TimeoutException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
                if (bump) _uncertainCounters[key] = counter + 1;
                return;
            }
        }
    }

    public static byte[] Encode(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }
}
