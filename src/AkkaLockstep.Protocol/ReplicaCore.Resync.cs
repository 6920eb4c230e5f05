namespace AkkaLockstep.Protocol;

/// <summary>What a primary can tell about its peer's catch-up (see <see cref="ResyncProgress"/>).</summary>
public sealed partial class ReplicaCore
{
    // Until the peer answered an append in this term, its matched index (0) says nothing about where it is.
    private bool _peerAnswered;

    /// <summary>A primary whose peer answers but does not yet hold everything: resync is under way.</summary>
    public bool PeerCatchingUp => Role == ReplicaRole.Primary && !Solo && !Duplex &&
                                  _peerAnswered && _peerHeardMs >= _now - 3 * _options.HeartbeatIntervalMs && _peerMatch < _log.LastIndex;

    /// <summary>
    /// Bytes the peer still needs: the commands of the entries it lacks that are in memory, plus the state of a
    /// full copy when it needs entries already compacted.
    /// </summary>
    public long PeerLagBytes
    {
        get
        {
            if (Role != ReplicaRole.Primary || Solo) return 0;
            return CopyBytesOwed + _log.BytesBetween(_peerMatch, _log.LastIndex);
        }
    }
}
