using System.Collections.Concurrent;

namespace AkkaLockstep.Cli.Broker;

/// <summary>The broker clients' transactions, by what they do.</summary>
public enum BrokerTransaction { Logon, LogonRefused, Logoff, Heartbeat, Query }

/// <summary>Running totals of all broker clients, read live by the progress line and the phases.</summary>
public sealed class BrokerCounters
{
    private const int MaxErrorExamples = 10;
    private long _sent, _acked, _failed, _unknown;
    private readonly long[] _answered = new long[Enum.GetValues<BrokerTransaction>().Length];
    private readonly ConcurrentQueue<string> _errors = new();

    /// <summary>Transactions begun.</summary>
    public long Sent => Interlocked.Read(ref _sent);
    /// <summary>Transactions answered without error (a refused log-on included: the broker said no, correctly).</summary>
    public long Acked => Interlocked.Read(ref _acked);
    /// <summary>Transactions that ended in an error seen by the client, unknown outcomes included.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Failed transactions whose commit may or may not have happened (resolved by the consistency check).</summary>
    public long Unknown => Interlocked.Read(ref _unknown);
    /// <summary>The first client errors, as "client N, what: error".</summary>
    public IReadOnlyList<string> ErrorExamples => [.. _errors];

    public long Answered(BrokerTransaction kind) => Interlocked.Read(ref _answered[(int)kind]);

    public void Begin() => Interlocked.Increment(ref _sent);

    public void Answer(BrokerTransaction kind)
    {
        Interlocked.Increment(ref _answered[(int)kind]);
        Interlocked.Increment(ref _acked);
    }

    public void Error(string example, bool unknownOutcome)
    {
        Interlocked.Increment(ref _failed);
        if (unknownOutcome) Interlocked.Increment(ref _unknown);
        if (_errors.Count < MaxErrorExamples) _errors.Enqueue(example);
    }
}
