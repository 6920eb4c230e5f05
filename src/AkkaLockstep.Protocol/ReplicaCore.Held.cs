namespace AkkaLockstep.Protocol;

/// <summary>
/// Client requests that reach a replica about to take over wait here instead of bouncing. A replica claiming an
/// epoch, or a secondary fit to take over whose primary has gone quiet, holds them until it knows its role: as
/// primary it serves them (the session table answers retries already applied), otherwise they get the answer
/// they would have had at once. Clients of a killed primary thus wait on the survivor rather than back off and
/// poll, which keeps the client-visible stall close to the failure-detection time.
/// </summary>
public sealed partial class ReplicaCore
{
    private readonly Queue<(ClientRequest Request, long SinceMs)> _held = new();

    /// <summary>True while this replica may become primary shortly: clients should come here and wait.</summary>
    public bool TakingOver => !Solo && (Role == ReplicaRole.Candidate ||
                                        Role == ReplicaRole.Secondary && FitToTakeOver && PeerQuiet);

    /// <summary>Where clients should send requests: the primary as far as this replica knows, or itself while it takes over.</summary>
    public string? ClientHint => TakingOver ? Self : LeaderHint;

    public int HeldRequests => _held.Count;

    // A couple of missed heartbeats: long before the peer timeout, so clients arrive before the claim is granted.
    private bool PeerQuiet => _now - _peerHeardMs > 2 * _options.HeartbeatIntervalMs;

    private void OnClientRequest(ClientRequest request)
    {
        if (TakingOver && _held.Count < _options.MaxHeldRequests)
        {
            _held.Enqueue((request, _now));
            return;
        }
        Serve(request);
    }

    /// <summary>Serves held requests once the role is settled, and any that waited longer than allowed.</summary>
    private void ReleaseHeld()
    {
        var holding = TakingOver;
        while (_held.Count > 0 && (!holding || _now - _held.Peek().SinceMs >= _options.ClientHoldMs))
            Serve(_held.Dequeue().Request);
    }
}
