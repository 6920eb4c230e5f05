using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AkkaLockstep.Wire.Framing;
using AkkaLockstep.Wire.Replication;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Replication.ReplicationLink;

/// <summary>
/// Receives the replica-to-replica traffic that peers send this host over plain TCP (length-prefixed
/// <see cref="PeerEnvelopeProto"/> frames) and hands each message to <c>deliver</c>, as if it had come over
/// Akka.Remote, which stays for cluster membership, the witness and the control plane (and for replica traffic while
/// a connection is down). Over Akka.Remote each write's round trip took ~0.75 ms more, and a gigabyte of full copy
/// moved at tens of MB/s and held up the heartbeats queued behind it until the cluster downed the host. A connection
/// sending an envelope with nothing in it we understand, or bytes that are not frames, is closed with a warning and the
/// others go on. The port is bound at construction, so it can be announced in the cluster before anything is accepted.
/// </summary>
public sealed class ReplicationLinkServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Action<PeerEnvelopeProto>? _deliver;
    private ILogger? _logger;
    private Task? _acceptLoop;

    public ReplicationLinkServer(IPEndPoint endpoint)
    {
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!OperatingSystem.IsWindows()) _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endpoint);
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Starts accepting peers; every message received goes to <paramref name="deliver"/> on a connection's thread.</summary>
    public void Start(Action<PeerEnvelopeProto> deliver, ILogger logger)
    {
        if (_acceptLoop is not null) throw new InvalidOperationException("the replication server is already started");
        _deliver = deliver;
        _logger = logger;
        _acceptLoop = AcceptLoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener.Dispose();
        foreach (var socket in _connections.Keys) socket.Dispose();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (_stopping.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger!.LogWarning("Accepting a replication connection failed: {Reason}", e.Message);
                continue;
            }
            _connections[socket] = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var reader = new FrameReader<PeerEnvelopeProto>(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024)), PeerEnvelopeParser.Parse);
            while (await reader.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } envelope)
            {
                if (envelope.BodyCase == PeerEnvelopeProto.BodyOneofCase.None)
                {
                    _logger!.LogWarning("Replication connection from {Remote} ({Host}) sent a message with nothing in it this host understands: closed",
                        remote, envelope.FromHost);
                    return;
                }
                _deliver!(envelope);
            }
        }
        catch (FrameException e)
        {
            _logger!.LogWarning("Replication connection from {Remote} closed: {Reason}", remote, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or this host is stopping: the protocol resends what was lost.
        }
        finally
        {
            _connections.TryRemove(socket, out _);
        }
    }
}
