using AkkaLockstep.Wire;

namespace AkkaLockstep.Host.Replication;

/// <summary>A client request handed to the local replica actor; the actor completes <see cref="Completion"/>.</summary>
public sealed record ClientCommand(Request Request, Guid SessionId, TaskCompletionSource<Response> Completion);

/// <summary>Periodic timer for the replica's protocol core.</summary>
public sealed record ReplicaTick
{
    public static readonly ReplicaTick Instance = new();
}

/// <summary>Asks the local replica for a full snapshot of its guest (for reading replicas back and comparing).</summary>
public sealed record DumpRequest
{
    public static readonly DumpRequest Instance = new();
}

public sealed record DumpResponse(long AppliedIndex, string Kind, byte[] GuestSnapshot);

/// <summary>An operator's `vm force-simplex` for this host's replica; answered with <see cref="ForceSimplexOutcome"/>.</summary>
public sealed record ForceSimplexRequest
{
    public static readonly ForceSimplexRequest Instance = new();
}

/// <summary>Accepted once the replica runs as a forced simplex primary in Epoch (State as in `vm show`); else the Reason.</summary>
public sealed record ForceSimplexOutcome(bool Accepted, long Epoch, string State, string? Reason);

/// <summary>An operator's `vm verify`: sequence a verify input at this (primary) replica; answered with <see cref="VerifyOutcome"/>.</summary>
public sealed record VerifyRequest
{
    public static readonly VerifyRequest Instance = new();
}

/// <summary>Timer: a primary sequences a verify input now and then by itself (`lockstep.verify-every`).</summary>
public sealed record PeriodicVerify
{
    public static readonly PeriodicVerify Instance = new();
}

/// <summary>The index the verify input got and the guest's digest there, or why it was not sequenced.</summary>
public sealed record VerifyOutcome(long Index, byte[] Digest, string? Error);

/// <summary>The VM was unprotected: delete this replica's journal and snapshots, then stop.</summary>
public sealed record Unprotect
{
    public static readonly Unprotect Instance = new();
}
