using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AkkaLockstep.Wire.Framing;
using AkkaLockstep.Wire.Replication;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Replication.CopyLink;

/// <summary>
/// Receives a returning replica's resync traffic that peers send this host over plain TCP (length-prefixed
/// <see cref="PeerEnvelopeProto"/> frames): pieces of full copies, their acknowledgements, and the entries a peer
/// catches up with, and hands each to <c>deliver</c>. Akka.Remote carries the pairs' steady traffic; a gigabyte
/// through it moved at tens of MB/s and held up the heartbeats queued behind it until the cluster downed the host.
/// Only those messages are accepted here; a connection sending anything else, or bytes that are not frames, is
/// closed with a warning and the others go on. The port is bound at construction, so it can be announced in the
/// cluster before anything is accepted.
/// </summary>
public sealed class CopyLinkServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Action<PeerEnvelopeProto>? _deliver;
    private ILogger? _logger;
    private Task? _acceptLoop;

    public CopyLinkServer(IPEndPoint endpoint)
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

    /// <summary>Starts accepting peers; every piece received goes to <paramref name="deliver"/> on a connection's thread.</summary>
    public void Start(Action<PeerEnvelopeProto> deliver, ILogger logger)
    {
        if (_acceptLoop is not null) throw new InvalidOperationException("the copy server is already started");
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
                _logger!.LogWarning("Accepting a copy connection failed: {Reason}", e.Message);
                continue;
            }
            _connections[socket] = Task.Run(() => ServeAsync(socket));
        }
    }

    /// <summary>The messages a copy connection carries: pieces of full copies, their acknowledgements, catch-up entries.</summary>
    private static bool Carries(PeerEnvelopeProto.BodyOneofCase body) => body is PeerEnvelopeProto.BodyOneofCase.SnapshotChunk
        or PeerEnvelopeProto.BodyOneofCase.CopyAck or PeerEnvelopeProto.BodyOneofCase.Append;

    private async Task ServeAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var reader = new FrameReader<PeerEnvelopeProto>(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024)), PeerEnvelopeProto.Parser);
            while (await reader.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } envelope)
            {
                if (!Carries(envelope.BodyCase))
                {
                    _logger!.LogWarning("Copy connection from {Remote} ({Host}) sent a {Body}, which is not resync traffic: closed",
                        remote, envelope.FromHost, envelope.BodyCase);
                    return;
                }
                _deliver!(envelope);
            }
        }
        catch (FrameException e)
        {
            _logger!.LogWarning("Copy connection from {Remote} closed: {Reason}", remote, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or this host is stopping: the primary resends what was lost.
        }
        finally
        {
            _connections.TryRemove(socket, out _);
        }
    }
}
