using System.Collections.Concurrent;
using System.Security.Cryptography;
using AkkaLockstep.PgWire.Auth;
using AkkaLockstep.PgWire.Server;

namespace AkkaLockstep.PgWire;

/// <summary>
/// Serves PostgreSQL protocol connections over any duplex <see cref="Stream"/> against one <see cref="IPgBackend"/>.
/// Holds what connections share: options, user credentials, the connection count and the cancel keys.
/// <see cref="PgGatewayServer"/> feeds it TCP connections; tests can feed it in-memory streams.
/// </summary>
public sealed class PgGateway
{
    readonly ConcurrentDictionary<int, PgConnection> _byProcessId = new();
    int _active;

    public PgGateway(PgGatewayOptions options, IPgBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageLength, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ScramIterations, 4096);
        Options = options;
        Backend = backend;
        Credentials = new PgCredentialStore(options.Users, options.ScramIterations);
    }

    public PgGatewayOptions Options { get; }

    /// <summary>Connections past their startup packet and not yet ended.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    internal IPgBackend Backend { get; }

    internal PgCredentialStore Credentials { get; }

    /// <summary>
    /// Runs one connection to its end. Never throws for anything the client sends; the stream is left open for the
    /// caller to dispose. Cancelling <paramref name="cancellationToken"/> ends the connection with FATAL 57P01.
    /// </summary>
    public Task<PgConnectionEnd> ServeAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new PgConnection(this, stream, cancellationToken).RunAsync();
    }

    internal bool TryEnter()
    {
        if (Interlocked.Increment(ref _active) <= Options.MaxConnections)
            return true;
        Interlocked.Decrement(ref _active);
        return false;
    }

    internal void Leave() => Interlocked.Decrement(ref _active);

    /// <summary>Gives the connection a unique process id and a random secret, the key a CancelRequest must present.</summary>
    internal (int ProcessId, int SecretKey) Register(PgConnection connection)
    {
        while (true)
        {
            var processId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (_byProcessId.TryAdd(processId, connection))
                return (processId, RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));
        }
    }

    internal void Unregister(int processId) => _byProcessId.TryRemove(processId, out _);

    /// <summary>Cancels the running statement of the connection with this key; wrong keys are ignored, as PostgreSQL does.</summary>
    internal void Cancel(int processId, int secretKey)
    {
        if (_byProcessId.TryGetValue(processId, out var connection) && connection.SecretKey == secretKey)
            connection.CancelRunningStatement();
    }
}
