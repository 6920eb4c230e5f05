using AkkaLockstep.Wire.Replication;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Replication.ReplicationLink;

/// <summary>
/// This host's outgoing replication connections, one per peer host, to the replication endpoint the peer announces in the
/// cluster. A peer that restarted on another port gets a new connection.
/// </summary>
public sealed class ReplicationLinks(HostDirectory directory, ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<string, ReplicationLinkSender> _senders = new();
    private bool _disposed;

    /// <summary>
    /// Queues a replica's message for <paramref name="host"/>. False when that host announces no replication endpoint or
    /// the connection to it is down: the caller sends it over Akka.Remote instead. A message queued may still be lost;
    /// the protocol resends.
    /// </summary>
    public bool TrySend(string host, PeerEnvelopeProto envelope)
    {
        if (directory.ReplicationEndpointOf(host) is not { } endpoint || !ReplicationLinkSender.TryParse(endpoint, out var address, out var port))
            return false;
        ReplicationLinkSender? replaced = null;
        ReplicationLinkSender sender;
        lock (_senders)
        {
            if (_disposed) return false;
            if (!_senders.TryGetValue(host, out var existing) || existing.Endpoint != endpoint)
            {
                replaced = existing;
                _senders[host] = existing = new ReplicationLinkSender(address, port, logger);
            }
            sender = existing;
        }
        if (replaced is not null) _ = replaced.DisposeAsync().AsTask();
        return sender.TrySend(envelope);
    }

    public async ValueTask DisposeAsync()
    {
        ReplicationLinkSender[] senders;
        lock (_senders)
        {
            _disposed = true;
            senders = _senders.Values.ToArray();
            _senders.Clear();
        }
        foreach (var sender in senders) await sender.DisposeAsync().ConfigureAwait(false);
    }
}
