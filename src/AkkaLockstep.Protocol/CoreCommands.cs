namespace AkkaLockstep.Protocol;

/// <summary>What the shell feeds into a <see cref="ReplicaCore"/>.</summary>
public abstract record CoreCommand;

/// <summary>A client request; <paramref name="Token"/> is opaque to the core and comes back in <see cref="Reply"/>.</summary>
public sealed record ClientRequest(object Token, Guid SessionId, long RequestNo, byte[] Command) : CoreCommand;

/// <summary>The persist operation with this id (and every earlier one) is durable in the local journal.</summary>
public sealed record LocalPersisted(long OpId) : CoreCommand;

public sealed record PeerReceived(PeerMessage Message) : CoreCommand;

/// <summary>Periodic timer: heartbeats, retransmission, probing, claim retries.</summary>
public sealed record Tick : CoreCommand
{
    public static readonly Tick Instance = new();
}

/// <summary>The witness granted <paramref name="Epoch"/> to this replica, answering the claim made at RequestedAtMs.</summary>
public sealed record EpochGranted(long Epoch, long RequestedAtMs = 0) : CoreCommand;

/// <summary>The witness answered a lease renewal made at RequestedAtMs.</summary>
public sealed record LeaseAnswered(long Epoch, bool Renewed, long RequestedAtMs) : CoreCommand;

/// <summary>
/// The witness refused the claim made at RequestedAtMs; <paramref name="GrantedEpoch"/> is the highest epoch it has
/// granted (below Epoch when another claimant's lease was live).
/// </summary>
public sealed record EpochRefused(long Epoch, long GrantedEpoch, long RequestedAtMs = 0) : CoreCommand;

/// <summary>
/// An operator orders this replica to run alone without the witness (lost peer and witness); answered by
/// <see cref="ForceSimplexAnswered"/> carrying <paramref name="Token"/>.
/// </summary>
public sealed record ForceSimplex(object Token) : CoreCommand;

/// <summary>
/// Placement moved this VM's other replica to <paramref name="NewPeer"/> (its old host stayed away and a spare host
/// re-protects it). Taken unless this replica is a duplex primary, whose peer is by definition still there.
/// </summary>
public sealed record ReplacePeer(string NewPeer) : CoreCommand;

/// <summary>This replica is removed: its VM is no longer protected. It tells its peer (<see cref="Retire"/>).</summary>
public sealed record Unprotecting : CoreCommand
{
    public static readonly Unprotecting Instance = new();
}
