using System.Net.Sockets;
using System.Threading.Channels;
using AkkaLockstep.Wire.Framing;
using AkkaLockstep.Wire.Replication;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Replication.ReplicationLink;

/// <summary>
/// One TCP connection to a peer's replication endpoint, opened when the first message is queued. Messages queued
/// beyond <see cref="QueuedBytes"/>, or when the connection fails, are dropped: the protocol's windows and resends
/// cover any loss, so nothing here waits or grows without bound. While the connection is down (a refused or failed
/// connect, a broken connection) it refuses messages, so they go over Akka.Remote instead, and it reconnects by itself:
/// a firewalled replication port slows replication down instead of stopping it. A refused or broken connection is tried
/// again after <see cref="QuickRetryDelay"/>, a connect that timed out after a second.
/// </summary>
internal sealed class ReplicationLinkSender : IAsyncDisposable
{
    /// <summary>Bytes of messages waiting for the connection: a few copy windows' worth, and every VM's appends.</summary>
    public const long QueuedBytes = 64 << 20;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a refused or broken connection (the peer's host restarting): the host is back listening before it rejoins,
    /// and until this link is back its replicas' traffic goes over Akka.Remote. After 1 s, the first window of a full copy
    /// to a returning host often went that way, slowly and out of order with the rest, and was sent again.
    /// </summary>
    private static readonly TimeSpan QuickRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly ILogger _logger;
    private readonly Channel<PeerEnvelopeProto> _queue = Channel.CreateUnbounded<PeerEnvelopeProto>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly string _host;
    private readonly int _port;
    private volatile bool _down;
    private long _queued;

    /// <summary>host:port as a peer announces it; false for anything else (that peer gets its replicas' messages over Akka.Remote).</summary>
    public static bool TryParse(string endpoint, out string host, out int port)
    {
        var separator = endpoint.LastIndexOf(':');
        host = separator > 0 ? endpoint[..separator] : "";
        port = 0;
        return separator > 0 && int.TryParse(endpoint.AsSpan(separator + 1), out port) && port is > 0 and <= 65535;
    }

    public ReplicationLinkSender(string host, int port, ILogger logger)
    {
        Endpoint = $"{host}:{port}";
        _host = host;
        _port = port;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>host:port of the peer's replication server.</summary>
    public string Endpoint { get; }

    /// <summary>Queues <paramref name="envelope"/>; false while the connection is down (send it another way).</summary>
    public bool TrySend(PeerEnvelopeProto envelope)
    {
        if (_down) return false;
        var size = envelope.CalculateSize();
        // Over the bound the message is lost, as on a congested link.
        if (Interlocked.Add(ref _queued, size) > QueuedBytes || !_queue.Writer.TryWrite(envelope)) Interlocked.Add(ref _queued, -size);
        return true;
    }

    private void Taken(PeerEnvelopeProto envelope) => Interlocked.Add(ref _queued, -envelope.CalculateSize());

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
                if (failures > 0) _logger.LogInformation("Replication connection to {Endpoint} is back", Endpoint);
                failures = 0;
                _down = false;
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                await FrameWriteLoop.RunAsync(_queue.Reader, stream,
                    (envelope, e) => _logger.LogError("A replication message of {Vm} cannot be framed: {Reason}", envelope.Vm, e.Message),
                    _stopping.Token, Taken).ConfigureAwait(false);
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
                    _logger.LogWarning("Replication connection to {Endpoint} failed: {Reason}; replication goes over Akka.Remote until it is back",
                        Endpoint, e.Message);
                while (_queue.Reader.TryRead(out var dropped)) Taken(dropped);
                try
                {
                    // A connect that timed out (a firewall dropping packets) is not tried again at once.
                    await Task.Delay(e is OperationCanceledException ? RetryDelay : QuickRetryDelay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
