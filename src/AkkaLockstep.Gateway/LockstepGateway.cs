using System.Net;
using System.Net.Sockets;
using AkkaLockstep.Client;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Gateway;

/// <summary>
/// A running PostgreSQL protocol gateway: a <see cref="PgGatewayServer"/> whose backend is a cluster reached with
/// the client library. The same class runs inside each host (pointed at that host's client endpoint) and as the
/// standalone `lockstep gateway` (pointed at several hosts, so it outlives any one of them).
/// </summary>
public sealed class LockstepGateway : IAsyncDisposable
{
    private readonly LockstepClient _client;
    private readonly PgGatewayServer _server;

    private LockstepGateway(LockstepClient client, PgGatewayServer server)
    {
        _client = client;
        _server = server;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    public LockstepClient Client => _client;

    /// <summary>Binds the listening socket and starts accepting; throws <see cref="GatewayStartException"/> with the reason.</summary>
    public static LockstepGateway Start(LockstepGatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Users.Count == 0)
            throw new GatewayStartException("no PostgreSQL users: give at least one as NAME:PASSWORD");
        if (options.ClusterEndpoints.Count == 0)
            throw new GatewayStartException("no cluster endpoints: give at least one host's client endpoint as HOST:PORT");

        LockstepClient client;
        try
        {
            client = new LockstepClient(new LockstepClientOptions { Endpoints = options.ClusterEndpoints, RequestTimeout = options.RequestTimeout });
        }
        catch (ArgumentException e)
        {
            throw new GatewayStartException($"bad cluster endpoint: {e.Message}", e);
        }

        var server = new PgGatewayServer(new PgGatewayOptions { EndPoint = options.Listen, Users = options.Users }, new LockstepPgBackend(client));
        try
        {
            server.Start();
        }
        catch (SocketException e)
        {
            _ = client.DisposeAsync();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the port is in use",
                SocketError.AddressNotAvailable => "that address is not one of this machine's",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                _ => e.Message,
            };
            throw new GatewayStartException($"cannot listen for PostgreSQL clients on {options.Listen}: {reason}", e);
        }
        return new LockstepGateway(client, server);
    }

    /// <summary>Ends every connection (their sessions are closed on the cluster, rolling back open transactions), then the client.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}
