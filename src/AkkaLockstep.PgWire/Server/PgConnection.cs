using AkkaLockstep.PgWire.Auth;
using AkkaLockstep.PgWire.Catalog;
using AkkaLockstep.PgWire.Protocol;

namespace AkkaLockstep.PgWire.Server;

/// <summary>
/// One client connection: start-up and authentication, then the simple and extended query protocols, over a
/// duplex stream. A single loop reads a message, handles it and buffers the answers; output is flushed at
/// ReadyForQuery, Flush, and whenever the buffer grows large.
/// </summary>
internal sealed partial class PgConnection(PgGateway gateway, Stream stream, CancellationToken shutdown)
{
    const int FlushThreshold = 64 * 1024;
    static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(5);

    readonly PgFrameReader _reader = new(stream, gateway.Options.MaxMessageLength);
    readonly PgBackendWriter _writer = new();
    readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    readonly Dictionary<string, Portal> _portals = new(StringComparer.Ordinal);
    readonly List<KeyValuePair<string, string>> _pendingParameterStatus = [];
    readonly Lock _cancelLock = new();
    CancellationTokenSource? _statementCancellation;
    SessionSettings _settings = null!;
    PgCatalogContext _catalogContext = null!;
    IPgSession? _session;
    PgTransactionStatus _status = PgTransactionStatus.Idle;
    bool _skipUntilSync;
    bool _entered;

    public int ProcessId { get; private set; }

    public int SecretKey { get; private set; }

    public async Task<PgConnectionEnd> RunAsync()
    {
        try
        {
            return await StartUpAsync() ?? await ServeMessagesAsync();
        }
        catch (PgProtocolException e)
        {
            return await FailAsync(e.Error, PgConnectionEnd.ProtocolViolation);
        }
        catch (ScramException e)
        {
            return await FailAsync(new PgError(PgSqlState.ProtocolViolation, e.Message), PgConnectionEnd.ProtocolViolation);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            return PgConnectionEnd.Disconnected;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return await FailAsync(
                new PgError(PgSqlState.AdminShutdown, "terminating connection due to administrator command"), PgConnectionEnd.ServerShutdown);
        }
        catch (Exception e)
        {
            return await FailAsync(new PgError(PgSqlState.InternalError, $"internal gateway error: {e.Message}"), PgConnectionEnd.InternalError);
        }
        finally
        {
            await EndAsync();
        }
    }

    /// <summary>Lets a CancelRequest stop the statement running now; a connection between statements ignores it.</summary>
    public void CancelRunningStatement()
    {
        CancellationTokenSource? running;
        lock (_cancelLock)
            running = _statementCancellation;
        try
        {
            running?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The statement finished between the lookup and the cancel: nothing left to stop.
        }
    }

    async Task<PgConnectionEnd> ServeMessagesAsync()
    {
        while (true)
        {
            var frame = await _reader.ReadFrameAsync(shutdown);
            if (frame is null)
                return PgConnectionEnd.Disconnected;
            FrontendMessage message;
            try
            {
                message = FrontendMessageParser.Parse(frame.Value);
            }
            catch (PgProtocolException e) when (!e.Fatal)
            {
                if (!_skipUntilSync || frame.Value.Type == (byte)'S')
                    await AnswerMalformedAsync(frame.Value.Type, e.Error);
                continue;
            }

            if (_skipUntilSync && message is not (SyncMessage or TerminateMessage))
                continue;
            switch (message)
            {
                case TerminateMessage:
                    return PgConnectionEnd.Terminated;
                case QueryMessage query:
                    await SimpleQueryAsync(query.Sql);
                    break;
                case SyncMessage:
                    await SyncAsync();
                    break;
                case FlushMessage:
                    await FlushAsync(shutdown);
                    break;
                case IgnoredMessage:
                    break;
                case PasswordMessage:
                    throw new PgProtocolException("unexpected password message after authentication", fatal: true);
                default:
                    await ExtendedAsync(message);
                    break;
            }

            if (_writer.Length > FlushThreshold)
                await FlushAsync(shutdown);
        }
    }

    /// <summary>A message whose frame was fine but whose content was not: an ERROR, then what its type calls for.</summary>
    async Task AnswerMalformedAsync(byte type, PgError error)
    {
        _writer.ErrorResponse(error);
        switch (type)
        {
            case (byte)'S':
                await SyncAsync();
                break;
            case (byte)'Q':
                WriteReadyForQuery();
                await FlushAsync(shutdown);
                break;
            default:
                _skipUntilSync = true;
                break;
        }
    }

    async Task SyncAsync()
    {
        _skipUntilSync = false;
        if (_status == PgTransactionStatus.Idle)
            _portals.Clear();
        WriteReadyForQuery();
        await FlushAsync(shutdown);
    }

    void WriteReadyForQuery()
    {
        foreach (var (name, value) in _pendingParameterStatus)
            _writer.ParameterStatus(name, value);
        _pendingParameterStatus.Clear();
        _writer.ReadyForQuery(_status);
    }

    ValueTask FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(stream, cancellationToken);

    /// <summary>Sends a FATAL error after whatever is already buffered; the client may be gone, so failures are ignored.</summary>
    async Task<PgConnectionEnd> FailAsync(PgError error, PgConnectionEnd end)
    {
        try
        {
            _writer.ErrorResponse(error, fatal: true);
            using var timeout = new CancellationTokenSource(FinalFlushTimeout);
            await FlushAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // The client is gone or not reading; the connection ends either way.
        }

        return end;
    }

    async Task EndAsync()
    {
        if (ProcessId != 0)
            gateway.Unregister(ProcessId);
        if (_entered)
            gateway.Leave();
        if (_session is not null)
        {
            try
            {
                await _session.DisposeAsync();
            }
            catch (Exception)
            {
                // A failing backend must not take the server down with it; the connection is over anyway.
            }
        }
    }
}
