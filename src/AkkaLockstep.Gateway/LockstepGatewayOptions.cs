using System.Net;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Gateway;

/// <summary>What a <see cref="LockstepGateway"/> listens on, which cluster it serves and whom it lets in.</summary>
public sealed record LockstepGatewayOptions
{
    /// <summary>Where PostgreSQL clients connect; port 0 picks a free one.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>"host:port" client endpoints of cluster hosts; the client library learns the others from them.</summary>
    public required IReadOnlyList<string> ClusterEndpoints { get; init; }

    /// <summary>Users accepted with SCRAM-SHA-256; at least one.</summary>
    public required IReadOnlyList<PgUser> Users { get; init; }

    /// <summary>
    /// How long one statement may go unanswered (locating, retries and failover included) before the client gets
    /// 08006. A failover takes about a second; this only bounds a cluster that is gone.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
