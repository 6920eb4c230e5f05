using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AkkaLockstep.Host.Api;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.ClientEndpoint;

/// <summary>
/// The client data-plane TCP server of a host (see client.proto). Each connection is pipelined: requests go
/// to the <see cref="IClientRequestHandler"/> as soon as they are read and responses are written as they
/// complete, matched by correlation id. The handler is called on the connection's read loop, so it must not
/// block before its first await. Malformed input closes only the offending connection; a handler exception
/// becomes a STATUS_UNAVAILABLE response. The endpoint answers Ping frames itself and rejects requests that
/// break client.proto's rules (no vm, session id not 16 bytes, request_no &lt; 1, oversized command) before
/// the handler sees them.
/// </summary>
public sealed class ClientEndpointServer : IAsyncDisposable
{
    public const int DefaultMaxInFlightPerConnection = 4096;

    private readonly IPEndPoint _endpoint;
    private readonly IClientRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly int _maxInFlightPerConnection;
    private readonly ConcurrentDictionary<ClientEndpointConnection, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    public ClientEndpointServer(
        IPEndPoint endpoint, IClientRequestHandler handler, ILogger logger,
        int maxInFlightPerConnection = DefaultMaxInFlightPerConnection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlightPerConnection, 1);
        _endpoint = endpoint;
        _handler = handler;
        _logger = logger;
        _maxInFlightPerConnection = maxInFlightPerConnection;
    }

    /// <summary>The address actually bound (with the OS-chosen port when started on port 0).</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("the server is not started");

    public int Port => LocalEndPoint.Port;

    /// <summary>Open client connections, for tests and metrics.</summary>
    public int ConnectionCount => _connections.Count;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is not null) throw new InvalidOperationException("the server is already started");
        var listener = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Lets a restarted host rebind its port while old connections linger in TIME_WAIT. On Windows
            // the same flag would allow port hijacking, and rebinding works there without it.
            if (!OperatingSystem.IsWindows()) listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(_endpoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
        _logger.LogInformation("Client endpoint listening on {Endpoint}", listener.LocalEndPoint);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting and closes every connection; in-flight requests get no answer (clients retry).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is null || _stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener.Dispose();
        foreach (var connection in _connections.Keys) connection.Close();
        await _acceptLoop!.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Client endpoint on {Endpoint} stopped", _endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. the peer reset before we accepted, or out of file descriptors: keep serving the others.
                _logger.LogWarning("Accepting a client connection failed: {Reason}", ex.Message);
                continue;
            }
            socket.NoDelay = true;
            Serve(socket);
        }
    }

    private void Serve(Socket socket)
    {
        var connection = new ClientEndpointConnection(socket, _handler, _logger, _maxInFlightPerConnection, _stopping.Token);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _connections[connection] = done.Task;
        // Re-checked after registering so a connection accepted while StopAsync ran is not left open.
        if (_stopping.IsCancellationRequested) connection.Close();
        _ = Task.Run(async () =>
        {
            await connection.RunAsync().ConfigureAwait(false);
            _connections.TryRemove(connection, out _);
            done.SetResult();
        });
    }
}
