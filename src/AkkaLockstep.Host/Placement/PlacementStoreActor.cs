using Akka.Actor;
using Akka.Persistence;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Placement;

/// <summary>
/// This node's persisted copy of the placement table (every node keeps one, witness included). The newest
/// version wins; a change counts as made once a majority of nodes stored it, so placement survives the loss
/// of any one node and a restart of all of them.
/// </summary>
public sealed class PlacementStoreActor : ReceivePersistentActor
{
    private readonly HostDirectory _directory;
    private PlacementTable _table = PlacementTable.Empty;

    public PlacementStoreActor(HostDirectory directory)
    {
        _directory = directory;
        Recover<PlacementTableProto>(t => _table = t.FromProto());
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is PlacementTableProto t) _table = t.FromProto();
        });
        Recover<RecoveryCompleted>(_ => Publish());
        Command<PlacementUpdateProto>(OnUpdate);
        Command<GetPlacementProto>(_ => Sender.Tell(_table.ToProto()));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public static Props Props(HostDirectory directory) => Akka.Actor.Props.Create(() => new PlacementStoreActor(directory));

    public override string PersistenceId => $"placement|{_directory.Self}";

    private void OnUpdate(PlacementUpdateProto update)
    {
        var incoming = update.Table.FromProto();
        if (incoming.Version <= _table.Version)
        {
            Sender.Tell(new PlacementAckProto { Version = _table.Version, Node = _directory.Self });
            return;
        }
        var sender = Sender;
        Persist(update.Table, stored =>
        {
            _table = stored.FromProto();
            Publish();
            sender.Tell(new PlacementAckProto { Version = _table.Version, Node = _directory.Self });
            if (LastSequenceNr % 100 == 0) SaveSnapshot(stored);
        });
    }

    private void Publish()
    {
        _directory.SetPlacement(_table);
        Context.System.EventStream.Publish(new PlacementChanged(_table));
    }
}
