using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.ClientEndpoint;

/// <summary>
/// One accepted client connection: a read loop that dispatches every request to the handler without waiting
/// for earlier ones (pipelining), and a single write loop that sends responses in completion order.
/// </summary>
internal sealed class ClientEndpointConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly IClientRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing;
    private readonly Channel<HostFrame> _outbox =
        Channel.CreateUnbounded<HostFrame>(new UnboundedChannelOptions { SingleReader = true });
    // Bounds the responses a client can make us hold; when full, reading pauses and TCP pushes back.
    private readonly SemaphoreSlim _inFlight;

    public ClientEndpointConnection(
        Socket socket, IClientRequestHandler handler, ILogger logger, int maxInFlight, CancellationToken serverStopping)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _handler = handler;
        _logger = logger;
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        _closing = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        Remote = socket.RemoteEndPoint;
    }

    public EndPoint? Remote { get; }

    /// <summary>Serves the connection until either side closes it or it fails; never throws.</summary>
    public async Task RunAsync()
    {
        var writeLoop = WriteLoopAsync();
        await ReadLoopAsync().ConfigureAwait(false);
        Close();
        await writeLoop.ConfigureAwait(false);
        _stream.Dispose();
        _closing.Dispose();
    }

    /// <summary>Stops both loops; responses still being computed are dropped (the client will retry them).</summary>
    public void Close()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _closing.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Already closed by the other loop or the peer.
        }
    }

    private async Task ReadLoopAsync()
    {
        var pipe = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var reader = new FrameReader<ClientFrame>(pipe, ClientFrame.Parser);
        var token = _closing.Token;
        try
        {
            while (await reader.ReadAsync(token).ConfigureAwait(false) is { } frame)
            {
                if (_handler.Blackholed) continue;
                switch (frame.BodyCase)
                {
                    case ClientFrame.BodyOneofCase.Ping:
                        _outbox.Writer.TryWrite(new HostFrame { Pong = new Pong { Correlation = frame.Ping.Correlation } });
                        break;
                    case ClientFrame.BodyOneofCase.Request:
                    case ClientFrame.BodyOneofCase.Locate:
                        if (!_inFlight.Wait(0)) await _inFlight.WaitAsync(token).ConfigureAwait(false);
                        _ = DispatchAsync(frame, token);
                        break;
                    default:
                        throw new FrameException("client frame has no body");
                }
            }
            _logger.LogDebug("Client {Remote} closed its connection", Remote);
        }
        catch (FrameException ex)
        {
            _logger.LogWarning("Closing client connection {Remote}: malformed input: {Reason}", Remote, ex.Message);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("Client connection {Remote} failed while reading: {Reason}", Remote, ex.Message);
        }
        catch (Exception ex)
        {
            // A bug must cost one connection, not the host.
            _logger.LogError(ex, "Closing client connection {Remote} after an unexpected error", Remote);
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await FrameWriteLoop.RunAsync(_outbox.Reader, _stream, OnUnwritable, _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("Client connection {Remote} failed while writing: {Reason}", Remote, ex.Message);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Closing client connection {Remote} after an unexpected error", Remote);
        }
        finally
        {
            Close();
        }
    }

    // A handler answered with more than a frame can carry; the client gets an error instead of silence.
    private void OnUnwritable(HostFrame frame, FrameException ex)
    {
        _logger.LogError("Response to client {Remote} cannot be sent: {Reason}", Remote, ex.Message);
        HostFrame? reply = frame.BodyCase switch
        {
            HostFrame.BodyOneofCase.Response => new HostFrame
            {
                Response = new Response { Correlation = frame.Response.Correlation, Status = Status.Unavailable, Error = "response too large" },
            },
            HostFrame.BodyOneofCase.Locate => new HostFrame
            {
                Locate = new LocateResponse { Correlation = frame.Locate.Correlation, Status = Status.Unavailable, Error = "response too large" },
            },
            _ => null,
        };
        if (reply is not null) _outbox.Writer.TryWrite(reply);
    }

    // Never throws: every outcome becomes a response (or nothing, if the connection is going away).
    private async Task DispatchAsync(ClientFrame frame, CancellationToken token)
    {
        try
        {
            var reply = frame.BodyCase == ClientFrame.BodyOneofCase.Request
                ? new HostFrame { Response = await HandleAsync(frame.Request, token).ConfigureAwait(false) }
                : new HostFrame { Locate = await LocateAsync(frame.Locate, token).ConfigureAwait(false) };
            if (!_handler.Blackholed) _outbox.Writer.TryWrite(reply);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task<Response> HandleAsync(Request request, CancellationToken token)
    {
        if (RequestValidator.Validate(request) is { } rejection) return rejection;
        Response? response;
        try
        {
            response = await _handler.HandleAsync(request, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            _logger.LogError(ex, "Client request handler failed for vm {Vm}", request.Vm);
            return new Response { Correlation = request.Correlation, Status = Status.Unavailable, Error = "internal error in host" };
        }
        if (response is null)
            return new Response { Correlation = request.Correlation, Status = Status.Unavailable, Error = "host gave no answer" };
        if (response.Correlation == request.Correlation) return response;
        // The endpoint owns correlation ids; the handler's object may be shared, so it is not mutated.
        response = response.Clone();
        response.Correlation = request.Correlation;
        return response;
    }

    private async Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken token)
    {
        if (RequestValidator.Validate(request) is { } rejection) return rejection;
        LocateResponse? response;
        try
        {
            response = await _handler.LocateAsync(request, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            _logger.LogError(ex, "Client locate handler failed for vm {Vm}", request.Vm);
            return new LocateResponse { Correlation = request.Correlation, Status = Status.Unavailable, Error = "internal error in host" };
        }
        if (response is null)
            return new LocateResponse { Correlation = request.Correlation, Status = Status.Unavailable, Error = "host gave no answer" };
        if (response.Correlation == request.Correlation) return response;
        response = response.Clone();
        response.Correlation = request.Correlation;
        return response;
    }
}
