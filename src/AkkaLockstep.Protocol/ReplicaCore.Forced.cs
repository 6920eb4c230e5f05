namespace AkkaLockstep.Protocol;

/// <summary>
/// Forced simplex (DESIGN "No witness reachable"): an operator orders a replica that lost both its peer and the
/// witness to run alone. It takes a new epoch on the operator's authority and commits without a witness lease,
/// while it keeps asking the witness to register that epoch: a grant makes it an ordinary simplex primary; a
/// refusal means another replica serves too (a split brain the operator caused), and it fences itself.
/// </summary>
public sealed partial class ReplicaCore
{
    // Running, or about to run, alone on an operator's order; the witness has not registered the epoch yet.
    private bool _forced;
    // The operator's pending ForceSimplex, answered once this replica acts as primary in the forced epoch.
    private object? _forceToken;
    // When the witness first refused the forced epoch because another claimant's lease was live.
    private long? _forcedLeaseRefusedAtMs;
    // Silence is counted from here too: a replica that just started has not yet had a chance to hear its peer.
    private long _startedMs;

    /// <summary>An operator forced this replica to run alone and the witness has not registered its epoch yet.</summary>
    public bool Forced => _forced;

    private void OnForceSimplex(ForceSimplex force)
    {
        if (ForceRefusal() is { } reason)
        {
            Emit(new ForceSimplexAnswered(force.Token, false, Epoch, reason));
            return;
        }
        var epoch = Math.Max(Epoch, _claimEpoch) + 1;
        if (Role == ReplicaRole.Primary) FailAllWaiting();
        _claimEpoch = 0;
        _failover = false;
        _forced = true;
        _forceToken = force.Token;
        _forcedLeaseRefusedAtMs = null;
        Epoch = epoch;
        PersistEpochOp(epoch);
        // A candidate with no claim outstanding becomes primary once its epoch is durable (MaybeBecomePrimary).
        SetRole(ReplicaRole.Candidate);
        Emit(new Alarm($"operator forced simplex: {Self} runs alone in epoch {epoch} without the witness; " +
                       $"if {Peer} still serves clients, the VM has two primaries"));
    }

    /// <summary>Why this replica may not be forced, or null: only a replica that cannot serve by itself and whose peer is silent may.</summary>
    private string? ForceRefusal()
    {
        if (Solo) return "this replica is unprotected (it has no peer) and commits alone already; nothing to force";
        if (_forced)
            return Role == ReplicaRole.Primary
                ? $"this replica already runs forced simplex in epoch {Epoch}; nothing to force"
                : $"a forced simplex in epoch {Epoch} is already under way";
        if (Role == ReplicaRole.Primary && !_simplex) return $"this replica is duplex primary in epoch {Epoch}; nothing to force";
        if (Role == ReplicaRole.Primary && _now < _leaseValidUntil)
            return $"this replica is simplex primary in epoch {Epoch} under a live witness lease; nothing to force";
        var silentMs = _now - Math.Max(_peerHeardMs, _startedMs);
        if (silentMs <= _options.PeerTimeoutMs)
            return _peerHeardMs >= _startedMs
                ? $"its peer {Peer} answered {silentMs} ms ago: the pair can still form or fail over by itself " +
                  $"(forcing needs {_options.PeerTimeoutMs} ms of silence)"
                : $"this replica started {silentMs} ms ago: its peer {Peer} must be silent for {_options.PeerTimeoutMs} ms first";
        if (Role == ReplicaRole.Secondary && !FitToTakeOver)
            return $"its primary {Peer} ran alone or is ahead of this replica: {Peer} may hold acknowledged inputs this " +
                   $"replica lacks, and forcing would lose them; bring {Peer}'s host back instead";
        return null;
    }

    /// <summary>The forced epoch is durable and this replica acts as primary: tell the operator, register the epoch.</summary>
    private void StartForcedPrimary()
    {
        if (_forceToken is { } token) Emit(new ForceSimplexAnswered(token, true, Epoch, null));
        _forceToken = null;
        EmitForcedClaim();
    }

    private void ForcedTick()
    {
        if (_now - _claimSentMs >= _options.ClaimRetryMs) EmitForcedClaim();
    }

    private void EmitForcedClaim()
    {
        _claimSentMs = _now;
        Emit(new ClaimEpoch(Epoch, true, _options.LeaseMs, _now));
    }

    /// <summary>The witness registered the forced epoch: from now on an ordinary simplex primary under the granted lease.</summary>
    private void OnForcedEpochGranted(long requestedAtMs)
    {
        _forced = false;
        ExtendLease(requestedAtMs);
        _lastLeaseRequestMs = _now;
    }

    private void OnForcedEpochRefused(long grantedEpoch, long requestedAtMs)
    {
        string why;
        if (grantedEpoch >= Epoch)
        {
            why = $"the witness granted epoch {grantedEpoch} to another replica";
        }
        else
        {
            // Another claimant's lease is live. A restarted witness holds the last holder's lease for one term; a
            // lease still live for a claim made after that term is being renewed: the other replica runs alone too.
            _forcedLeaseRefusedAtMs ??= _now;
            if (requestedAtMs <= _forcedLeaseRefusedAtMs + _options.WitnessRestartHoldMs + _options.LeaseMarginMs) return;
            why = $"another replica has held a live witness lease for over {_options.WitnessRestartHoldMs} ms";
        }
        Emit(new Alarm($"split brain: the witness refused forced epoch {Epoch} of {Self} ({why}); {Self} stops " +
                       "committing and is fenced. Both replicas may have answered clients alone: compare them before relying on either"));
        _forced = false;
        _simplex = false;
        StepDown(Math.Max(Epoch, grantedEpoch));
        Fenced = true;
    }

    /// <summary>A forced replica that stops leading (it stepped down, or a newer primary took it as secondary) is forced no more.</summary>
    private void AbandonForce()
    {
        _forced = false;
        if (_forceToken is { } token)
            Emit(new ForceSimplexAnswered(token, false, Epoch,
                $"abandoned: this replica became {Role.ToString().ToLowerInvariant()} in epoch {Epoch} before its forced epoch took effect"));
        _forceToken = null;
    }
}
