using System.Net.Sockets;
using System.Threading.Channels;
using AkkaLockstep.Wire.Framing;
using AkkaLockstep.Wire.Replication;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Replication.CopyLink;

/// <summary>
/// One TCP connection to a peer's copy endpoint, opened when the first message is queued. Messages queued beyond
/// <see cref="QueuedMessages"/>, or when the connection fails, are dropped: the protocol's windows and resends cover
/// any loss, so nothing here waits or grows without bound. While the connection is down (a refused or failed connect,
/// a broken connection) it refuses messages, so they go over Akka.Remote instead, and it reconnects by itself: a
/// firewalled copy port slows a resync down instead of stopping it.
/// </summary>
internal sealed class CopyLinkSender : IAsyncDisposable
{
    /// <summary>Messages waiting for the connection (each at most a 1 MiB piece or batch; a copy window is 8 of them).</summary>
    public const int QueuedMessages = 64;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger;
    private readonly Channel<PeerEnvelopeProto> _queue = Channel.CreateBounded<PeerEnvelopeProto>(
        new BoundedChannelOptions(QueuedMessages) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly string _host;
    private readonly int _port;
    private volatile bool _down;

    /// <summary>host:port as a peer announces it; false for anything else (that peer gets its copies over Akka.Remote).</summary>
    public static bool TryParse(string endpoint, out string host, out int port)
    {
        var separator = endpoint.LastIndexOf(':');
        host = separator > 0 ? endpoint[..separator] : "";
        port = 0;
        return separator > 0 && int.TryParse(endpoint.AsSpan(separator + 1), out port) && port is > 0 and <= 65535;
    }

    public CopyLinkSender(string host, int port, ILogger logger)
    {
        Endpoint = $"{host}:{port}";
        _host = host;
        _port = port;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>host:port of the peer's copy server.</summary>
    public string Endpoint { get; }

    /// <summary>Queues <paramref name="envelope"/>; false while the connection is down (send it another way).</summary>
    public bool TrySend(PeerEnvelopeProto envelope)
    {
        if (_down) return false;
        _queue.Writer.TryWrite(envelope);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                // Connected on demand; while down, again after every retry delay whether or not anything waits.
                if (!_down && !await _queue.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false)) return;
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    timeout.CancelAfter(ConnectTimeout);
                    await socket.ConnectAsync(_host, _port, timeout.Token).ConfigureAwait(false);
                }
                if (failures > 0) _logger.LogInformation("Copy connection to {Endpoint} is back", Endpoint);
                failures = 0;
                _down = false;
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                await FrameWriteLoop.RunAsync(_queue.Reader, stream,
                    (envelope, e) => _logger.LogError("A message of a resync of {Vm} cannot be framed: {Reason}", envelope.Vm, e.Message),
                    _stopping.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                _down = true;
                // Logged once per outage, not on every retry while the peer is down.
                if (failures++ == 0)
                    _logger.LogWarning("Copy connection to {Endpoint} failed: {Reason}; resync traffic goes over Akka.Remote until it is back",
                        Endpoint, e.Message);
                while (_queue.Reader.TryRead(out _)) { }
                try
                {
                    await Task.Delay(RetryDelay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
