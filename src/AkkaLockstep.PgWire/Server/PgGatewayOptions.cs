using System.Net;

namespace AkkaLockstep.PgWire;

/// <summary>Configuration of a <see cref="PgGateway"/> and its <see cref="PgGatewayServer"/>.</summary>
public sealed class PgGatewayOptions
{
    /// <summary>Where <see cref="PgGatewayServer"/> listens; port 0 picks a free port (see <see cref="PgGatewayServer.Port"/>).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 5432);

    public IReadOnlyList<PgUser> Users { get; init; } = [];

    public PgAuthMethod AuthMethod { get; init; } = PgAuthMethod.ScramSha256;

    /// <summary>Largest accepted frontend message payload; a longer one ends the connection with a FATAL error.</summary>
    public int MaxMessageLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>Connections served at once; further ones get FATAL 53300 after their startup packet.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Time from accept to the end of authentication, after which the connection is dropped.</summary>
    public TimeSpan AuthenticationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Reported as server_version; drivers read the leading number as the PostgreSQL version they talk to.</summary>
    public string ServerVersion { get; init; } = "15.0 (AkkaLockstep)";

    public int ScramIterations { get; init; } = 4096;
}
