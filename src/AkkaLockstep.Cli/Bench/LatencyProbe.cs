using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Cli.Bench.Sql;
using AkkaLockstep.Client;

namespace AkkaLockstep.Cli.Bench;

/// <summary>
/// A steady client load on one VM (a few sessions, each writing one small value after another) that keeps the
/// latency of every acknowledged write with the time it completed, so percentiles can be taken over a window:
/// the same load while the pair is duplex and while a returning replica catches up.
/// </summary>
public sealed class LatencyProbe : IAsyncDisposable
{
    private readonly ConcurrentQueue<(long AtTicks, long Microseconds)> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writers;

    public LatencyProbe(LockstepClient client, string vm, int sessions)
    {
        var value = new byte[100];
        _writers = Task.WhenAll(Enumerable.Range(0, sessions).Select(s => Task.Run(async () =>
        {
            var session = client.OpenKvSession(vm);
            for (var i = 0L; !_stop.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await session.PutAsync($"probe-{s}-{i % 1000}", value, _stop.Token);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (LockstepException)
                {
                    // Gave up after the client's own retries: counted, and the load goes on.
                    Interlocked.Increment(ref _errors);
                    continue;
                }
                var done = Stopwatch.GetTimestamp();
                _samples.Enqueue((done, (long)Stopwatch.GetElapsedTime(started, done).TotalMicroseconds));
            }
        })));
    }

    private int _errors;

    /// <summary>Writes that failed after the client's retries.</summary>
    public int Errors => Volatile.Read(ref _errors);

    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>p99 in ms of the writes completed between two <see cref="Now"/> readings, and how many there were.</summary>
    public (double P99Ms, int Writes) P99Between(long fromTicks, long toTicks)
    {
        var window = _samples.Where(s => s.AtTicks >= fromTicks && s.AtTicks <= toTicks).Select(s => s.Microseconds).ToArray();
        return (LatencyPercentiles.Ms(window, 99), window.Length);
    }

    /// <summary>Stops the load and waits for its writes; safe to call again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        await _writers.ConfigureAwait(false);
    }
}
