using Akka.Actor;
using Akka.Persistence;

namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>
/// A persistent actor whose events are raw byte arrays (Akka's built-in byte array serializer, so
/// the tests depend on no serializer of ours) and whose state is simply what it recovered.
/// </summary>
public sealed class RecordingActor : ReceivePersistentActor
{
    public sealed record Append(byte[] Payload);
    public sealed record Appended(long SequenceNr);

    public sealed record SaveSnapshotOf(byte[] Payload);
    public sealed record SnapshotSaved(long SequenceNr);

    public sealed record GetRecovered;
    public sealed record Recovered(IReadOnlyList<byte[]> Events, byte[]? Snapshot, long SnapshotSequenceNr);

    /// <summary>Persists the payloads in order with PersistAsync, at most Window unacknowledged at a time.</summary>
    public sealed record Flood(IReadOnlyList<byte[]> Payloads, int Window);
    public sealed record FloodDone(int Count);

    private readonly List<byte[]> _events = [];
    private byte[]? _snapshot;
    private long _snapshotSequenceNr;
    private IActorRef _snapshotRequester = ActorRefs.Nobody;

    public RecordingActor(string persistenceId)
    {
        PersistenceId = persistenceId;

        Recover<SnapshotOffer>(offer =>
        {
            _snapshot = (byte[])offer.Snapshot;
            _snapshotSequenceNr = offer.Metadata.SequenceNr;
        });
        Recover<byte[]>(_events.Add);

        Command<Append>(append => Persist(append.Payload, _ => Sender.Tell(new Appended(LastSequenceNr))));
        Command<GetRecovered>(_ => Sender.Tell(new Recovered(_events.ToArray(), _snapshot, _snapshotSequenceNr)));
        Command<SaveSnapshotOf>(save =>
        {
            _snapshotRequester = Sender;
            SaveSnapshot(save.Payload);
        });
        Command<SaveSnapshotSuccess>(success => _snapshotRequester.Tell(new SnapshotSaved(success.Metadata.SequenceNr)));
        Command<SaveSnapshotFailure>(failure => _snapshotRequester.Tell(new Status.Failure(failure.Cause)));
        Command<Flood>(StartFlood);
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new RecordingActor(persistenceId));

    private void StartFlood(Flood flood)
    {
        var requester = Sender;
        var sent = 0;
        var acknowledged = 0;

        void PersistOne()
        {
            PersistAsync(flood.Payloads[sent++], _ =>
            {
                acknowledged++;
                if (sent < flood.Payloads.Count)
                    PersistOne();
                else if (acknowledged == flood.Payloads.Count)
                    requester.Tell(new FloodDone(acknowledged));
            });
        }

        for (var i = 0; i < Math.Min(flood.Window, flood.Payloads.Count); i++)
            PersistOne();
    }
}
