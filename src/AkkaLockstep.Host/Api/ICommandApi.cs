using AkkaLockstep.Host.Faults;
namespace AkkaLockstep.Host.Api;

/// <summary>
/// What the command endpoint (HTTP, default port 9110) exposes; the `lockstep` CLI talks to it.
/// DTOs are serialised as JSON with camelCase names. Errors are <see cref="CommandException"/>.
/// </summary>
public interface ICommandApi
{
    /// <summary>Liveness, naming this node's member incarnation (address#uid) once it has joined.</summary>
    HealthInfo GetHealth() => new("ok", null);

    Task<ClusterView> GetClusterAsync(CancellationToken ct);
    Task<IReadOnlyList<VmInfo>> ListVmsAsync(CancellationToken ct);
    Task<VmInfo> GetVmAsync(string name, CancellationToken ct);
    Task<VmInfo> ProtectAsync(ProtectRequest request, CancellationToken ct);
    Task UnprotectAsync(string name, CancellationToken ct);
    /// <summary>State of this host's own replica of a VM (for reading back and comparing replicas).</summary>
    Task<ReplicaInfo> GetLocalReplicaAsync(string name, CancellationToken ct);
    /// <summary>Full guest snapshot of this host's replica, base64, with the applied index it corresponds to.</summary>
    Task<ReplicaDump> DumpLocalReplicaAsync(string name, CancellationToken ct);

    /// <summary>This host's application-level network cuts (fault injection for chaos runs and the demo).</summary>
    FaultState GetFaults() => throw new CommandException(404, "fault injection is not available on this endpoint");

    /// <summary>Replaces this host's cuts: <see cref="FaultRequest.Cut"/> names members, isolate cuts everyone and all clients.</summary>
    FaultState SetFaults(FaultRequest request) => throw new CommandException(404, "fault injection is not available on this endpoint");

    /// <summary>
    /// Forces this host's replica of a VM to run alone without the witness (`vm force-simplex`). Refused (409) unless
    /// the replica cannot serve by itself and its peer is silent; risks split brain if the other replica still serves.
    /// </summary>
    Task<ForcedReplica> ForceSimplexAsync(string name, CancellationToken ct);

    /// <summary>
    /// Sequences a verify input at this host's replica of a VM, which must be the primary (409 otherwise, naming it):
    /// both replicas take the guest's digest at that index, and the secondary's hash check confirms or refutes it.
    /// </summary>
    Task<Verification> VerifyAsync(string name, CancellationToken ct) =>
        throw new CommandException(404, "verify is not available on this endpoint");
}

public sealed record HealthInfo(string Status, string? Member);

public sealed record FaultRequest(IReadOnlyList<string>? Cut, bool Isolate);

/// <summary>A command failed for a reason the caller should see; <see cref="StatusCode"/> maps to HTTP.</summary>
public sealed class CommandException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

public sealed record ClusterView(string Self, IReadOnlyList<MemberInfo> Members, string? Leader);

public sealed record MemberInfo(string Name, string Address, IReadOnlyList<string> Roles, string Status,
    bool Reachable, string? ClientEndpoint, string? CommandEndpoint);

public sealed record ProtectRequest(string Name, string Kind, IReadOnlyList<string>? Hosts);

public sealed record VmInfo(string Name, string Kind, IReadOnlyList<string> Hosts, string? Primary,
    long Epoch, string State, IReadOnlyList<ReplicaInfo> Replicas);

/// <summary>
/// VerifiedIndex: on a secondary, the highest index where its hash chain matched the primary's. Digest is the guest's
/// digest at DigestIndex (a large state is digested at most every 10 s, so it may trail AppliedIndex).
/// </summary>
public sealed record ReplicaInfo(string Vm, string Host, string Role, string State, long Epoch,
    long LastIndex, long CommitIndex, long AppliedIndex, string HashChain, string Digest, long VerifiedIndex = 0,
    ResyncInfo? Resync = null, DiskInfo? Disk = null, long DigestIndex = 0);

/// <summary>
/// A replica's disk file: the applied index it holds, its size and digest; Error says why the disk could not be loaded
/// (the replica then waits for a full copy from its peer).
/// </summary>
public sealed record DiskInfo(long Index, long Bytes, string Digest, string? Error);

/// <summary>On a primary whose peer catches up: share of the gap closed, what is left, the pace and the time still needed (null: not shrinking).</summary>
public sealed record ResyncInfo(double Percent, long LagInputs, long LagBytes, double InputsPerSecond, double? EtaSeconds);

/// <summary>A verify input the primary sequenced at Index: the guest's digest there (both replicas take it).</summary>
public sealed record Verification(string Vm, string Primary, long Index, string Digest);

/// <summary>A replica an operator forced into simplex: it runs as primary alone in Epoch.</summary>
public sealed record ForcedReplica(string Vm, string Host, long Epoch, string State);

public sealed record ReplicaDump(string Vm, string Host, long AppliedIndex, string Kind, string SnapshotBase64);
