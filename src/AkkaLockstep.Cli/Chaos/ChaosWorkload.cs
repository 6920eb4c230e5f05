using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaLockstep.Chaos;
using AkkaLockstep.Client;
using AkkaLockstep.Guests.Kv;

namespace AkkaLockstep.Cli.Chaos;

/// <summary>
/// The client load of a chaos run, recorded op by op into a <see cref="History"/>. Each session mixes writes of
/// fresh keys (a lost acknowledged write shows as a missing key), compare-and-set bumps of its own counter (a
/// doubled execution shows as a counter above its bumps) and reads, writes and compare-and-sets of a few hot
/// keys shared by all sessions (what the linearizability checker has to work on).
/// </summary>
public sealed class ChaosWorkload(LockstepClient client, string vm, string runId, int sessions, int seed)
{
    private const int HotKeys = 8;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, byte[]> _ackedWrites = new();
    private readonly ConcurrentDictionary<string, long> _ackedCounters = new();
    private readonly ConcurrentDictionary<string, long> _unknownBumps = new();
    private long _nextId;
    private long _doubledBumps;

    public History History { get; } = new();
    public long NowMs => _clock.ElapsedMilliseconds;
    public IReadOnlyDictionary<string, byte[]> AckedWrites => _ackedWrites;
    public IReadOnlyDictionary<string, long> AckedCounters => _ackedCounters;
    /// <summary>Counter bumps that got no answer: each may have been applied once.</summary>
    public IReadOnlyDictionary<string, long> UnknownBumps => _unknownBumps;

    /// <summary>Bumps refused although the session knew its counter's value: an earlier bump was executed twice.</summary>
    public long DoubledBumps => Interlocked.Read(ref _doubledBumps);

    public IEnumerable<string> HotKeyNames => Enumerable.Range(0, HotKeys).Select(k => $"{runId}/hot{k}");

    /// <summary>Runs until <paramref name="ct"/> is cancelled; each session finishes its op in flight first.</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, sessions).Select(s => Task.Run(() => SessionAsync(s, ct), CancellationToken.None)));

    /// <summary>Reads every hot key once more after the run, so a lost write to one shows in the history.</summary>
    public async Task FinalReadsAsync(CancellationToken ct)
    {
        var session = client.OpenSession(vm);
        foreach (var key in HotKeyNames) await RunOpAsync(session, sessions, KvCommand.Get(key), ct);
    }

    private async Task SessionAsync(int index, CancellationToken ct)
    {
        var random = new Random(seed * 7919 + index);
        var session = client.OpenSession(vm);
        var counterKey = $"{runId}/c{index}";
        long counter = 0;
        // False after a bump without an answer, until the counter has been read back.
        var counterKnown = true;
        for (long n = 0; !ct.IsCancellationRequested; n++)
        {
            var dice = random.Next(100);
            if (dice < 45)
            {
                var key = $"{runId}/s{index}/{n}";
                var value = Value(index, n);
                if (await RunOpAsync(session, index, KvCommand.Put(key, value), CancellationToken.None) == OpOutcome.Ok)
                    _ackedWrites[key] = value;
            }
            else if (dice < 65)
            {
                var outcome = await RunOpAsync(session, index,
                    KvCommand.Cas(counterKey, counter == 0 ? null : Encode(counter), Encode(counter + 1)), CancellationToken.None);
                if (outcome == OpOutcome.Ok)
                {
                    _ackedCounters[counterKey] = ++counter;
                    continue;
                }
                if (outcome == OpOutcome.Unknown) _unknownBumps.AddOrUpdate(counterKey, 1, (_, c) => c + 1);
                else if (counterKnown) Interlocked.Increment(ref _doubledBumps);
                (counter, counterKnown) = await ReadCounterAsync(session, index, counterKey, counter);
            }
            else
            {
                var key = $"{runId}/hot{random.Next(HotKeys)}";
                var command = random.Next(3) switch
                {
                    0 => KvCommand.Get(key),
                    1 => KvCommand.Put(key, Value(index, n)),
                    _ => KvCommand.Cas(key, random.Next(2) == 0 ? null : Value(random.Next(sessions), random.Next((int)n + 1)), Value(index, n)),
                };
                await RunOpAsync(session, index, command, CancellationToken.None);
            }
        }
    }

    /// <summary>After a bump without a clear answer the session learns its counter's real value again.</summary>
    private async Task<(long Value, bool Known)> ReadCounterAsync(LockstepSession session, int index, string key, long fallback)
    {
        var (outcome, output) = await RunOpWithOutputAsync(session, index, KvCommand.Get(key), CancellationToken.None);
        return outcome switch
        {
            OpOutcome.Ok when output is { Length: 8 } => (BinaryPrimitives.ReadInt64LittleEndian(output), true),
            OpOutcome.NotFound => (0, true),
            _ => (fallback, false),
        };
    }

    private async Task<OpOutcome> RunOpAsync(LockstepSession session, int index, KvCommand command, CancellationToken ct) =>
        (await RunOpWithOutputAsync(session, index, command, ct)).Outcome;

    private async Task<(OpOutcome Outcome, byte[]? Output)> RunOpWithOutputAsync(
        LockstepSession session, int index, KvCommand command, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextId);
        var invoked = NowMs;
        OpOutcome outcome;
        byte[]? output = null;
        long epoch = 0;
        string? host = null;
        try
        {
            var result = await session.ExecuteDetailedAsync(command.Encode(), ct);
            var kv = KvResult.Decode(result.Output);
            (epoch, host) = (result.Epoch, result.Host);
            outcome = kv.Status switch
            {
                KvStatus.Ok => OpOutcome.Ok,
                KvStatus.NotFound => OpOutcome.NotFound,
                KvStatus.CasFailed => OpOutcome.CasFailed,
                _ => throw new InvalidDataException($"kv guest answered {kv.Status}: {kv.Error}"),
            };
            if (command.Op == KvOp.Get && outcome == OpOutcome.Ok) output = kv.Value ?? [];
        }
        catch (Exception e) when (e is LockstepException or TimeoutException or OperationCanceledException)
        {
            outcome = OpOutcome.Unknown;
        }
        History.Add(new HistoryOp(index, id, Kind(command.Op), command.Key, command.Value, command.Expected, invoked,
            NowMs, outcome, output, epoch, host));
        return (outcome, output);
    }

    private static KvOpKind Kind(KvOp op) => op switch
    {
        KvOp.Get => KvOpKind.Get,
        KvOp.Put => KvOpKind.Put,
        KvOp.Delete => KvOpKind.Delete,
        _ => KvOpKind.Cas,
    };

    private static byte[] Value(int session, long n) => System.Text.Encoding.ASCII.GetBytes($"v{session}.{n}");

    public static byte[] Encode(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }
}
