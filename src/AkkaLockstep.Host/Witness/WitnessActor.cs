using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;

namespace AkkaLockstep.Host.Witness;

/// <summary>
/// The quorum service: a register per VM (<see cref="WitnessRegister"/>). A grant is answered only after it is
/// durable, so a witness that restarts never grants an epoch twice. Leases live in memory only: after a restart
/// the witness honours every register's possible lease for one full term instead.
/// </summary>
public sealed class WitnessActor : ReceivePersistentActor
{
    /// <summary>Longest lease granted; also how long a restarted witness waits before granting over a holder.</summary>
    public const long MaxLeaseMs = 5_000;

    private readonly Dictionary<string, WitnessRegister> _registers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public WitnessActor()
    {
        Recover<EpochGrantedEvent>(Apply);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is WitnessSnapshotProto snapshot)
                foreach (var grant in snapshot.Grants) Apply(grant);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var vm in _registers.Keys.ToArray()) _registers[vm] = _registers[vm].AfterRestart(Now, MaxLeaseMs);
        });
        Command<ClaimEpochRequestProto>(OnClaim);
        Command<RenewLeaseRequestProto>(OnRenew);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("witness snapshot failed: {0}", f.Cause.Message));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new WitnessActor());

    public override string PersistenceId => "witness";

    private long Now => _clock.ElapsedMilliseconds;

    private void Apply(EpochGrantedEvent grant) =>
        _registers[grant.Vm] = new WitnessRegister(grant.Epoch, grant.Holder);

    private void OnClaim(ClaimEpochRequestProto claim)
    {
        var register = _registers.GetValueOrDefault(claim.Vm, WitnessRegister.Empty);
        var (granted, next) = register.Claim(claim.Epoch, claim.Claimant, claim.Simplex, Now, Math.Clamp(claim.LeaseMs, 0, MaxLeaseMs));
        var answer = new ClaimEpochResponseProto
        {
            Vm = claim.Vm, Epoch = claim.Epoch, Granted = granted, GrantedEpoch = next.GrantedEpoch, Holder = next.Holder ?? "",
            RequestedAtMs = claim.RequestedAtMs,
        };
        if (!granted || next.GrantedEpoch == register.GrantedEpoch)
        {
            _registers[claim.Vm] = next;
            Sender.Tell(answer);
            return;
        }
        var sender = Sender;
        Persist(new EpochGrantedEvent { Vm = claim.Vm, Epoch = claim.Epoch, Holder = claim.Claimant }, grant =>
        {
            _registers[claim.Vm] = next;
            _log.Info("granted epoch {0} of {1} to {2}{3}", grant.Epoch, grant.Vm, grant.Holder, claim.Simplex ? " (simplex lease)" : "");
            sender.Tell(answer);
            if (LastSequenceNr % 1000 == 0) SaveSnapshot(Snapshot());
        });
    }

    private void OnRenew(RenewLeaseRequestProto renew)
    {
        var register = _registers.GetValueOrDefault(renew.Vm, WitnessRegister.Empty);
        var (renewed, next) = register.Renew(renew.Epoch, renew.Claimant, Now, Math.Clamp(renew.LeaseMs, 0, MaxLeaseMs));
        _registers[renew.Vm] = next;
        Sender.Tell(new RenewLeaseResponseProto { Vm = renew.Vm, Epoch = renew.Epoch, Renewed = renewed, RequestedAtMs = renew.RequestedAtMs });
    }

    private WitnessSnapshotProto Snapshot()
    {
        var snapshot = new WitnessSnapshotProto();
        snapshot.Grants.AddRange(_registers.Select(r => new EpochGrantedEvent { Vm = r.Key, Epoch = r.Value.GrantedEpoch, Holder = r.Value.Holder ?? "" }));
        return snapshot;
    }
}
