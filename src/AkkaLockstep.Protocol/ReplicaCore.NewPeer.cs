namespace AkkaLockstep.Protocol;

/// <summary>
/// Re-protection onto a spare host: the peer this replica paired with is replaced by another host's fresh replica,
/// which catches up like any returning peer (incrementally, or with a full copy). Messages from the old peer's
/// host are no longer this replica's business (the shell drops them).
/// </summary>
public sealed partial class ReplicaCore
{
    // The replacement a duplex primary put off, so it says so once, not at every tick that asks again.
    private string? _replacementPutOff;

    private void OnReplacePeer(string newPeer)
    {
        if (Solo || newPeer == Peer || newPeer == Self) return;
        if (Role == ReplicaRole.Primary && !_simplex)
        {
            if (_replacementPutOff == newPeer) return;
            _replacementPutOff = newPeer;
            Emit(new Notice($"placement moves this VM's peer from {Peer} to {newPeer}, but {Peer} is in step with this primary: " +
                            "waiting until it is not"));
            return;
        }
        Emit(new Notice($"peer {Peer} is replaced by {newPeer}: its replica is rebuilt from this one"));
        _replacementPutOff = null;
        Peer = newPeer;
        PeerRetired = false;
        _peerIncarnation = null;
        _peerRepairIncarnation = null;
        ForgetPeerProgress();
        // A secondary of the old pair follows nobody now: it finds out who leads from the new peer. A candidate's claim
        // decides for itself.
        if (Role == ReplicaRole.Secondary) SetRole(ReplicaRole.Joining);
        if (Role == ReplicaRole.Joining) SendProbe(isReply: false);
    }
}
