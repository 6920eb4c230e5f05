using AkkaLockstep.Wire;

namespace AkkaLockstep.Client;

/// <summary>
/// A definitive failure: retrying the same request cannot succeed (bad request, too large, stale request
/// number, unknown VM, or a guest that refused the command).
/// </summary>
public sealed class LockstepException(Status status, string message) : Exception(message)
{
    public Status Status { get; } = status;
}
