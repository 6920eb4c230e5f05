namespace AkkaLockstep.Protocol;

/// <summary>
/// Forming a pair: replicas that are not in a working duplex exchange probes; the one with the more
/// up-to-date durable log (ties: the placement's preferred primary) claims the next epoch from the witness.
/// Every committed entry is durable on both replicas, so whichever wins holds all of them.
/// </summary>
public sealed partial class ReplicaCore
{
    private long _claimEpoch;
    private long _claimSentMs;
    // The current claim is a failover: the peer went silent, so on grant this replica runs simplex.
    private bool _failover;

    /// <summary>
    /// The peer went silent: claim the next epoch to go on alone. Both replicas of a cut pair claim; the witness
    /// grants one. A primary releases its waiting clients first (they retry; the session table answers those
    /// already applied); a secondary that wins applies everything it holds durably.
    /// </summary>
    private void StartFailover()
    {
        if (Role == ReplicaRole.Primary) FailAllWaiting();
        _failover = true;
        ClaimNextEpoch(Epoch + 1);
    }

    private void OnProbe(Probe probe)
    {
        switch (Role)
        {
            case ReplicaRole.Primary when probe.PromisedEpoch > Epoch:
                StepDown(probe.PromisedEpoch);
                break;
            case ReplicaRole.Primary:
                if (probe.Incarnation != _peerIncarnation)
                {
                    // A restarted peer may have lost its unacknowledged tail: find its position afresh. One that came
                    // back with less than it acknowledged (its journal lost) holds only that: entries waiting on it
                    // would otherwise be sent past its end until a stall left it behind.
                    _peerIncarnation = probe.Incarnation;
                    _peerMatch = Math.Min(_peerMatch, probe.LastIndex);
                    _peerNext = _log.LastIndex + 1;
                    _peerRewind = 0;
                    RestartCopyForNewPeer();
                }
                SendAppend([]);
                return;
            case ReplicaRole.Secondary when probe.Role != ReplicaRole.Primary && probe.PromisedEpoch >= Epoch:
                // Our primary is the peer, and it is not acting as primary any more: re-form the pair.
                SetRole(ReplicaRole.Joining);
                break;
        }
        if (!probe.IsReply) SendProbe(isReply: true);
        // A fenced replica may take part again: a peer that says it is not primary is not serving alone.
        if (Role == ReplicaRole.Joining && probe.Role != ReplicaRole.Primary) ConsiderClaim(probe);
    }

    private void ConsiderClaim(Probe peer)
    {
        var mine = (_log.EpochAt(DurableIndex), DurableIndex);
        var theirs = (peer.LastEpoch, peer.LastIndex);
        var better = mine.Item1 != theirs.Item1 ? mine.Item1 > theirs.Item1 : mine.Item2 != theirs.Item2 ? mine.Item2 > theirs.Item2 : PreferredPrimary;
        if (better) ClaimNextEpoch(Math.Max(Epoch, peer.PromisedEpoch) + 1);
    }

    private void ClaimNextEpoch(long epoch)
    {
        _claimEpoch = epoch;
        SetRole(ReplicaRole.Candidate);
        EmitClaim();
    }

    /// <summary>A failover claim asks for a lease to run alone; forming a pair needs none.</summary>
    private void EmitClaim()
    {
        _claimSentMs = _now;
        Emit(new ClaimEpoch(_claimEpoch, _failover, _options.LeaseMs, _now));
    }

    private void OnEpochGranted(long epoch, long requestedAtMs)
    {
        if (_forced && Role == ReplicaRole.Primary)
        {
            if (epoch == Epoch) OnForcedEpochGranted(requestedAtMs);
            return;
        }
        if (Role != ReplicaRole.Candidate || epoch != _claimEpoch) return;
        if (_failover) ExtendLease(requestedAtMs);
        Epoch = epoch;
        _claimEpoch = 0;
        PersistEpochOp(epoch);
        MaybeBecomePrimary();
    }

    private void OnEpochRefused(long epoch, long grantedEpoch, long requestedAtMs)
    {
        if (_forced && Role == ReplicaRole.Primary)
        {
            if (epoch == Epoch) OnForcedEpochRefused(grantedEpoch, requestedAtMs);
            return;
        }
        if (Role != ReplicaRole.Candidate || epoch != _claimEpoch) return;
        _claimEpoch = 0;
        // Someone else holds the epoch: fence until the winner takes this replica back as its secondary.
        Fenced = _failover;
        _failover = false;
        if (grantedEpoch > Epoch)
        {
            Epoch = grantedEpoch;
            PersistEpochOp(grantedEpoch);
        }
        SetRole(ReplicaRole.Joining);
    }

    /// <summary>A granted (or forced) candidate acts as primary only once its epoch is durable.</summary>
    private void MaybeBecomePrimary()
    {
        if (Role != ReplicaRole.Candidate || _claimEpoch != 0 || _durableEpoch < Epoch) return;
        var simplex = _failover || _forced;
        _failover = false;
        BecomePrimary(simplex);
        if (_forced) StartForcedPrimary();
    }
}
