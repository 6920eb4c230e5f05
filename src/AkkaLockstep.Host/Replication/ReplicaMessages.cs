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

/// <summary>The VM was unprotected: delete this replica's journal and snapshots, then stop.</summary>
public sealed record Unprotect
{
    public static readonly Unprotect Instance = new();
}
