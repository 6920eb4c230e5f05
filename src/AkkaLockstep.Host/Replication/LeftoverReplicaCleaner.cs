using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace AkkaLockstep.Host.Replication;

/// <summary>
/// Removes what a replica left on this host for a VM that is no longer placed here and has no replica to remove it:
/// a host that was away while its VM moved to a spare host, and learned the new placement before it started the old
/// replica again. Deletes the replica's journal, snapshots and disk folder, as an unprotect does, then stops.
/// </summary>
public sealed class LeftoverReplicaCleaner(string vm, string host, string diskFolder) : UntypedPersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public override string PersistenceId => $"replica|{vm}|{host}";

    public static Props Props(string vm, string host, string diskFolder) =>
        Akka.Actor.Props.Create(() => new LeftoverReplicaCleaner(vm, host, diskFolder));

    protected override void OnRecover(object message)
    {
        if (message is not RecoveryCompleted) return;
        _log.Info("{0} is not placed on {1}: removing the journal and disk its old replica left", vm, host);
        try
        {
            if (Directory.Exists(diskFolder)) Directory.Delete(diskFolder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("could not remove the old disk of {0} at {1}: {2}", vm, diskFolder, e.Message);
        }
        DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        DeleteMessages(long.MaxValue);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case DeleteMessagesSuccess:
                Context.Stop(Self);
                break;
            case DeleteMessagesFailure failure:
                _log.Warning("could not delete the old journal of {0}: {1}", vm, failure.Cause.Message);
                Context.Stop(Self);
                break;
        }
    }
}
