using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AkkaLockstep.PgWire;

/// <summary>
/// Listens on <see cref="PgGatewayOptions.EndPoint"/> and serves each accepted TCP connection with its own async
/// loop (<see cref="PgGateway.ServeAsync"/>). Disposal stops listening, ends open connections with FATAL 57P01 and
/// waits for them to finish.
/// </summary>
public sealed class PgGatewayServer : IAsyncDisposable
{
    static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    const long LingerDrainBytes = 16 << 20;

    readonly TcpListener _listener;
    readonly CancellationTokenSource _stopping = new();
    readonly ConcurrentDictionary<Task, byte> _connections = new();
    Task? _acceptLoop;
    int _disposed;

    public PgGatewayServer(PgGatewayOptions options, IPgBackend backend)
    {
        Gateway = new PgGateway(options, backend);
        _listener = new TcpListener(options.EndPoint);
    }

    public PgGateway Gateway { get; }

    /// <summary>The bound address; valid after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Port => LocalEndPoint.Port;

    public void Start()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stopping.CancelAsync();
        _listener.Stop();
        if (_acceptLoop is not null)
            await _acceptLoop;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }

    async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that failed while being accepted (e.g. reset by the peer) concerns only that peer.
                continue;
            }

            var connection = ServeAsync(socket);
            _connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var end = await Gateway.ServeAsync(stream, _stopping.Token);
        if (end is PgConnectionEnd.ProtocolViolation or PgConnectionEnd.AuthenticationFailed or PgConnectionEnd.Rejected)
            await LingerAsync(socket);
    }

    /// <summary>
    /// After a FATAL error the client may still be sending (say, the rest of an oversized message). Closing with
    /// unread input makes the kernel reset the connection, which can destroy the error before the client reads it.
    /// So the send side is shut down and input drained, for a bounded time and amount, until the client closes.
    /// </summary>
    async Task LingerAsync(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(LingerTime);
            var buffer = new byte[16 * 1024];
            // Enough for an oversized message's rest (a 100 KB message against a 64 KiB limit outran the old cap of the
            // limit itself, and the reset lost the error); the linger time bounds a client that keeps sending.
            var budget = Math.Max(Gateway.Options.MaxMessageLength, LingerDrainBytes);
            int read;
            while (budget > 0 && (read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
                budget -= read;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client reset or kept sending too long: close anyway.
        }
    }
}
