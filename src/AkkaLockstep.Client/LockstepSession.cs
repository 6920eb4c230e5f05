using System.Security.Cryptography;
using Google.Protobuf;

namespace AkkaLockstep.Client;

/// <summary>
/// One exactly-once session with one VM: a random 16-byte id and request numbers 1, 2, 3, … Calls are
/// serialized: concurrent callers of <see cref="ExecuteAsync"/> wait their turn (the wait counts toward
/// RequestTimeout), because the VM keeps only the last request's result per session.
/// </summary>
public sealed class LockstepSession
{
    private readonly LockstepClient _client;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _lastRequestNumber;
    private long _retries;

    internal LockstepSession(LockstepClient client, string vm)
    {
        _client = client;
        Vm = vm;
        SessionIdBytes = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16));
    }

    public string Vm { get; }

    public ReadOnlyMemory<byte> SessionId => SessionIdBytes.Memory;

    /// <summary>The request number given to the most recent call (0 before the first).</summary>
    public long LastRequestNumber => Interlocked.Read(ref _lastRequestNumber);

    /// <summary>Re-sends made by this session's calls after failed attempts, over its lifetime.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal ByteString SessionIdBytes { get; }

    /// <summary>
    /// Runs one command and returns the guest's output. The request number is assigned once and every retry
    /// (other host, reconnect, failover) re-sends that same number, so the command takes effect exactly once.
    /// Throws <see cref="LockstepException"/> for definitive errors, <see cref="TimeoutException"/> when
    /// RequestTimeout elapses and <see cref="OperationCanceledException"/> when the caller cancels; after the
    /// last two the command may or may not have taken effect.
    /// </summary>
    public async Task<byte[]> ExecuteAsync(byte[] command, CancellationToken cancellationToken = default) =>
        (await _client.ExecuteAsync(this, command, cancellationToken).ConfigureAwait(false)).Output;

    /// <summary>As <see cref="ExecuteAsync"/>, also saying which host answered and in which epoch (for history checkers).</summary>
    public Task<ExecutionResult> ExecuteDetailedAsync(byte[] command, CancellationToken cancellationToken = default) =>
        _client.ExecuteAsync(this, command, cancellationToken);

    internal async Task<long> EnterAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Interlocked.Increment(ref _lastRequestNumber);
    }

    internal void Exit() => _turn.Release();

    internal void CountRetry() => Interlocked.Increment(ref _retries);
}
