using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;

namespace AkkaLockstep.Client;

/// <summary>
/// The one connection to one host endpoint that all sessions share: requests are pipelined and matched to
/// responses by correlation id; a single write loop batches frames. Once closed it stays closed and every
/// waiting caller gets a <see cref="ConnectionLostException"/>; the client opens a new one.
/// </summary>
internal sealed class HostConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly LockstepClientOptions _options;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<HostFrame>> _pending = new();
    private readonly Channel<ClientFrame> _outbox =
        Channel.CreateUnbounded<ClientFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closed = new();
    private readonly FrameReader<HostFrame> _reader;
    private readonly PipeReader _pipe;
    private readonly Action _onClosed;
    private ConnectionLostException? _closeReason;
    private long _nextCorrelation;

    private HostConnection(string endpoint, Socket socket, LockstepClientOptions options, Action onClosed)
    {
        Endpoint = endpoint;
        _onClosed = onClosed;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _options = options;
        _pipe = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        _reader = new FrameReader<HostFrame>(_pipe, HostFrame.Parser);
        _ = ReadLoopAsync();
        _ = WriteLoopAsync();
        _ = KeepAliveLoopAsync();
    }

    public string Endpoint { get; }

    public bool IsOpen => _closeReason is null;

    public static async Task<HostConnection> ConnectAsync(
        string endpoint, LockstepClientOptions options, Action onClosed, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(EndpointAddress.Parse(endpoint), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            var reason = ex is OperationCanceledException ? $"no answer within {options.ConnectTimeout}" : ex.Message;
            throw new ConnectionLostException($"cannot connect to {endpoint}: {reason}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new HostConnection(endpoint, socket, options, onClosed);
    }

    public async Task<Response> RequestAsync(Request request, CancellationToken cancellationToken)
    {
        var frame = await SendAsync(request.Correlation = NextCorrelation(), new ClientFrame { Request = request }, cancellationToken)
            .ConfigureAwait(false);
        return frame.Response ?? throw ProtocolViolation("answered a request with a non-response frame");
    }

    public async Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        var frame = await SendAsync(request.Correlation = NextCorrelation(), new ClientFrame { Locate = request }, cancellationToken)
            .ConfigureAwait(false);
        return frame.Locate ?? throw ProtocolViolation("answered a locate with a non-locate frame");
    }

    /// <summary>Closes the connection, fails everything waiting on it and reports it once; idempotent.</summary>
    public void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, new ConnectionLostException($"connection to {Endpoint} lost: {reason}"), null) is not null)
            return;
        // Completing the outbox first means a caller either fails to enqueue or is in _pending when it is swept.
        _outbox.Writer.TryComplete();
        _closed.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer already closed it.
        }
        _stream.Dispose();
        foreach (var correlation in _pending.Keys)
            if (_pending.TryRemove(correlation, out var waiter)) waiter.TrySetException(_closeReason);
        _onClosed();
    }

    private ulong NextCorrelation() => (ulong)Interlocked.Increment(ref _nextCorrelation);

    private async Task<HostFrame> SendAsync(ulong correlation, ClientFrame frame, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<HostFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[correlation] = waiter;
        if (!_outbox.Writer.TryWrite(frame))
        {
            _pending.TryRemove(correlation, out _);
            throw _closeReason ?? new ConnectionLostException($"connection to {Endpoint} is closed");
        }
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }

    private ConnectionLostException ProtocolViolation(string what)
    {
        Close($"host {what}");
        return _closeReason!;
    }

    private async Task ReadLoopAsync()
    {
        var reason = "host closed the connection";
        try
        {
            while (await _reader.ReadAsync(_closed.Token).ConfigureAwait(false) is { } frame)
            {
                var correlation = frame.BodyCase switch
                {
                    HostFrame.BodyOneofCase.Response => frame.Response.Correlation,
                    HostFrame.BodyOneofCase.Locate => frame.Locate.Correlation,
                    HostFrame.BodyOneofCase.Pong => 0UL,
                    _ => throw new FrameException("host frame has no body"),
                };
                // Unknown correlations are answers to attempts whose caller already gave up.
                if (correlation != 0 && _pending.TryRemove(correlation, out var waiter)) waiter.TrySetResult(frame);
            }
        }
        catch (Exception ex)
        {
            // Whatever broke the loop, the connection is unusable; callers retry on a new one.
            reason = ex.Message;
        }
        finally
        {
            Close(reason);
            await _pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reason = "closed";
        try
        {
            await FrameWriteLoop.RunAsync(_outbox.Reader, _stream, FailUnwritable, _closed.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever broke the loop, the connection is unusable; callers retry on a new one.
            reason = ex.Message;
        }
        finally
        {
            Close(reason);
        }
    }

    // Callers check sizes before sending, so this is a last line of defence (e.g. an absurd VM name).
    private void FailUnwritable(ClientFrame frame, FrameException ex)
    {
        var correlation = frame.Request?.Correlation ?? frame.Locate?.Correlation ?? 0;
        if (_pending.TryRemove(correlation, out var waiter))
            waiter.TrySetException(new LockstepException(Status.TooLarge, ex.Message));
    }

    private async Task KeepAliveLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.KeepAliveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token).ConfigureAwait(false))
            {
                var quiet = TimeSpan.FromMilliseconds(Environment.TickCount64 - _reader.LastReceiveTicks);
                if (quiet >= _options.DeadConnectionTimeout)
                {
                    Close($"nothing received for {quiet.TotalMilliseconds:F0} ms");
                    return;
                }
                if (quiet >= _options.KeepAliveInterval)
                    _outbox.Writer.TryWrite(new ClientFrame { Ping = new Ping { Correlation = NextCorrelation() } });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
