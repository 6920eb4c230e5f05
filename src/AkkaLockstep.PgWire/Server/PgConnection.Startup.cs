using System.Text;
using AkkaLockstep.PgWire.Auth;
using AkkaLockstep.PgWire.Catalog;
using AkkaLockstep.PgWire.Protocol;

namespace AkkaLockstep.PgWire.Server;

internal sealed partial class PgConnection
{
    /// <summary>Startup parameters that describe the connection rather than set run-time parameters.</summary>
    static readonly HashSet<string> ConnectionParameters = ["user", "database", "options", "replication"];

    /// <summary>Negotiation, authentication and session opening; null when the connection is ready for queries.</summary>
    async Task<PgConnectionEnd?> StartUpAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        timeout.CancelAfter(gateway.Options.AuthenticationTimeout);
        try
        {
            return await StartUpAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            return PgConnectionEnd.TimedOut;
        }
    }

    async Task<PgConnectionEnd?> StartUpAsync(CancellationToken cancellationToken)
    {
        var startup = await ReadStartupMessageAsync(cancellationToken);
        if (startup is not StartupMessagePacket message)
            return startup is CancelRequestPacket ? PgConnectionEnd.CancelRequest : PgConnectionEnd.Disconnected;

        if (message["user"] is not { Length: > 0 } user)
            return await FailAsync(new PgError(PgSqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet"), PgConnectionEnd.Rejected);
        var database = message["database"] is { Length: > 0 } named ? named : user;
        if (message["replication"] is { } replication && replication is not ("false" or "off" or "no" or "0"))
            return await FailAsync(new PgError(PgSqlState.FeatureNotSupported, "replication connections are not supported"), PgConnectionEnd.Rejected);
        if (!gateway.TryEnter())
            return await FailAsync(new PgError(PgSqlState.TooManyConnections, "sorry, too many clients already"), PgConnectionEnd.Rejected);
        _entered = true;

        var protocolOptions = message.Parameters.Where(p => p.Key.StartsWith("_pq_.", StringComparison.Ordinal)).Select(p => p.Key).ToList();
        if (message.MinorVersion > 0 || protocolOptions.Count > 0)
            _writer.NegotiateProtocolVersion(0, protocolOptions);
        try
        {
            _settings = new SessionSettings(
                gateway.Options.ServerVersion,
                user,
                message.Parameters.Where(p => !ConnectionParameters.Contains(p.Key) && !p.Key.StartsWith("_pq_.", StringComparison.Ordinal)));
        }
        catch (PgException e)
        {
            return await FailAsync(e.Error, PgConnectionEnd.Rejected);
        }

        if (await AuthenticateAsync(user, cancellationToken) is { } failed)
            return failed;
        _writer.AuthenticationOk();

        if (await OpenSessionAsync(database, user, cancellationToken) is { } rejected)
            return rejected;
        (ProcessId, SecretKey) = gateway.Register(this);
        _catalogContext = new PgCatalogContext(
            user, database, ProcessId, $"PostgreSQL {gateway.Options.ServerVersion} on AkkaLockstep PgWire gateway", _settings.Get);
        foreach (var (name, value) in _settings.ReportedParameters())
            _writer.ParameterStatus(name, value);
        _writer.BackendKeyData(ProcessId, SecretKey);
        WriteReadyForQuery();
        await FlushAsync(cancellationToken);
        return null;
    }

    /// <summary>Reads startup packets, refusing SSL and GSS encryption (once each), until a StartupMessage or CancelRequest.</summary>
    async Task<StartupPacket?> ReadStartupMessageAsync(CancellationToken cancellationToken)
    {
        var negotiated = new HashSet<Type>();
        while (true)
        {
            var packet = await _reader.ReadStartupPacketAsync(cancellationToken);
            switch (packet)
            {
                case null or StartupMessagePacket:
                    return packet;
                case CancelRequestPacket cancel:
                    gateway.Cancel(cancel.ProcessId, cancel.SecretKey);
                    return packet;
            }

            if (!negotiated.Add(packet.GetType()))
                throw new PgProtocolException("repeated encryption negotiation", fatal: true);
            _writer.EncryptionRefused();
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Null when the client proved its identity; otherwise how the connection ended.</summary>
    async Task<PgConnectionEnd?> AuthenticateAsync(string user, CancellationToken cancellationToken)
    {
        switch (gateway.Options.AuthMethod)
        {
            case PgAuthMethod.Trust:
                return null;
            case PgAuthMethod.CleartextPassword:
            {
                _writer.AuthenticationCleartextPassword();
                await FlushAsync(cancellationToken);
                if (await ReadPasswordMessageAsync(cancellationToken) is not { } payload)
                    return PgConnectionEnd.Disconnected;
                var reader = new PgPayloadReader(payload, "PasswordMessage");
                var password = reader.ReadCString();
                reader.ExpectEnd();
                var credential = gateway.Credentials.Lookup(user, out var known);
                return known && credential.Matches(password) ? null : await FailAuthenticationAsync(user);
            }
            default:
                return await AuthenticateScramAsync(user, cancellationToken);
        }
    }

    async Task<PgConnectionEnd?> AuthenticateScramAsync(string user, CancellationToken cancellationToken)
    {
        _writer.AuthenticationSasl([ScramServerExchange.Mechanism]);
        await FlushAsync(cancellationToken);
        if (await ReadPasswordMessageAsync(cancellationToken) is not { } initial)
            return PgConnectionEnd.Disconnected;
        var reader = new PgPayloadReader(initial, "SASLInitialResponse");
        var mechanism = reader.ReadCString();
        var length = reader.ReadInt32();
        var clientFirst = length == -1 ? "" : Encoding.UTF8.GetString(reader.ReadBytes(length));
        reader.ExpectEnd();
        if (mechanism != ScramServerExchange.Mechanism)
            throw new PgProtocolException("client selected an invalid SASL authentication mechanism", fatal: true);

        var exchange = new ScramServerExchange(gateway.Credentials.Lookup(user, out _), ScramServerExchange.NewNonce());
        _writer.AuthenticationSaslContinue(Encoding.UTF8.GetBytes(exchange.Start(clientFirst)));
        await FlushAsync(cancellationToken);
        if (await ReadPasswordMessageAsync(cancellationToken) is not { } response)
            return PgConnectionEnd.Disconnected;
        if (exchange.Finish(Encoding.UTF8.GetString(response)) is not { } serverFinal)
            return await FailAuthenticationAsync(user);
        _writer.AuthenticationSaslFinal(Encoding.UTF8.GetBytes(serverFinal));
        return null;
    }

    /// <summary>The payload of the next message, which must be a 'p'; null when the client hung up instead.</summary>
    async Task<byte[]?> ReadPasswordMessageAsync(CancellationToken cancellationToken)
    {
        if (await _reader.ReadFrameAsync(cancellationToken) is not { } frame)
            return null;
        if (frame.Type != (byte)'p')
            throw new PgProtocolException($"expected password response, got message type {frame.Type}", fatal: true);
        return frame.Payload.ToArray();
    }

    /// <summary>Same answer for a wrong password and an unknown user, so the error does not reveal which names exist.</summary>
    Task<PgConnectionEnd> FailAuthenticationAsync(string user) =>
        FailAsync(new PgError(PgSqlState.InvalidPassword, $"password authentication failed for user \"{user}\""), PgConnectionEnd.AuthenticationFailed);

    async Task<PgConnectionEnd?> OpenSessionAsync(string database, string user, CancellationToken cancellationToken)
    {
        try
        {
            _session = await gateway.Backend.OpenSessionAsync(database, user, cancellationToken);
        }
        catch (PgException e)
        {
            return await FailAsync(e.Error, PgConnectionEnd.Rejected);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await FailAsync(new PgError(PgSqlState.InternalError, $"could not open a session: {e.Message}"), PgConnectionEnd.Rejected);
        }

        return _session is null
            ? await FailAsync(new PgError(PgSqlState.InvalidCatalogName, $"database \"{database}\" does not exist"), PgConnectionEnd.Rejected)
            : null;
    }
}
