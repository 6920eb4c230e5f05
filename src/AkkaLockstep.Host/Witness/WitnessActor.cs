using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Witness;

/// <summary>
/// The quorum service: a persisted test-and-set register per VM (<see cref="WitnessRegister"/>). A grant is
/// answered only after it is durable, so a witness that restarts never grants an epoch twice.
/// </summary>
public sealed class WitnessActor : ReceivePersistentActor
{
    private readonly Dictionary<string, WitnessRegister> _registers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public WitnessActor()
    {
        Recover<EpochGrantedEvent>(Apply);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is WitnessSnapshotProto snapshot)
                foreach (var grant in snapshot.Grants) Apply(grant);
        });
        Command<ClaimEpochRequestProto>(OnClaim);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("witness snapshot failed: {0}", f.Cause.Message));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new WitnessActor());

    public override string PersistenceId => "witness";

    private void Apply(EpochGrantedEvent grant) =>
        _registers[grant.Vm] = new WitnessRegister(grant.Epoch, grant.Holder);

    private void OnClaim(ClaimEpochRequestProto claim)
    {
        var register = _registers.GetValueOrDefault(claim.Vm, WitnessRegister.Empty);
        var (granted, next) = register.Claim(claim.Epoch, claim.Claimant);
        var answer = new ClaimEpochResponseProto
        {
            Vm = claim.Vm, Epoch = claim.Epoch, Granted = granted, GrantedEpoch = next.GrantedEpoch, Holder = next.Holder ?? "",
        };
        if (!granted || ReferenceEquals(next, register))
        {
            Sender.Tell(answer);
            return;
        }
        var sender = Sender;
        Persist(new EpochGrantedEvent { Vm = claim.Vm, Epoch = claim.Epoch, Holder = claim.Claimant }, grant =>
        {
            Apply(grant);
            _log.Info("granted epoch {0} of {1} to {2}", grant.Epoch, grant.Vm, grant.Holder);
            sender.Tell(answer);
            if (LastSequenceNr % 1000 == 0) SaveSnapshot(Snapshot());
        });
    }

    private WitnessSnapshotProto Snapshot()
    {
        var snapshot = new WitnessSnapshotProto();
        snapshot.Grants.AddRange(_registers.Select(r => new EpochGrantedEvent { Vm = r.Key, Epoch = r.Value.GrantedEpoch, Holder = r.Value.Holder ?? "" }));
        return snapshot;
    }
}
