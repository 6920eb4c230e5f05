using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Client;

/// <summary>Typed access to a VM running the kv guest, over one exactly-once session.</summary>
public sealed class KvSession(LockstepSession session)
{
    public LockstepSession Session { get; } = session;

    /// <summary>The value, or null when the key is absent.</summary>
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(KvCommand.Get(key), cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            KvStatus.Ok => result.Value ?? [],
            KvStatus.NotFound => null,
            _ => throw Unexpected(result, KvOp.Get),
        };
    }

    public async Task PutAsync(string key, byte[] value, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(KvCommand.Put(key, value), cancellationToken).ConfigureAwait(false);
        if (result.Status != KvStatus.Ok) throw Unexpected(result, KvOp.Put);
    }

    /// <summary>True when the key existed and was removed.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(KvCommand.Delete(key), cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            KvStatus.Ok => true,
            KvStatus.NotFound => false,
            _ => throw Unexpected(result, KvOp.Delete),
        };
    }

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="value"/> only if its current value equals
    /// <paramref name="expected"/> (null: only if the key is absent). True when the value was set.
    /// </summary>
    public async Task<bool> CompareAndSetAsync(
        string key, byte[]? expected, byte[] value, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(KvCommand.Cas(key, expected, value), cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            KvStatus.Ok => true,
            KvStatus.CasFailed => false,
            _ => throw Unexpected(result, KvOp.CompareAndSet),
        };
    }

    // A guest error means the guest refused the command itself (bad key, value too long): never retryable.
    private async Task<KvResult> RunAsync(KvCommand command, CancellationToken cancellationToken)
    {
        var output = await Session.ExecuteAsync(command.Encode(), cancellationToken).ConfigureAwait(false);
        var result = KvResult.Decode(output);
        if (result.Status == KvStatus.Error)
            throw new LockstepException(Status.BadRequest, $"kv guest refused {command.Op} '{command.Key}': {result.Error}");
        return result;
    }

    private static InvalidDataException Unexpected(KvResult result, KvOp op) =>
        new($"kv guest answered {result.Status} to {op}");
}
