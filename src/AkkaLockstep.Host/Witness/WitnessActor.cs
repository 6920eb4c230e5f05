using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using AkkaLockstep.Host.Cluster.Downing;
using AkkaLockstep.Host.Faults;
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
    // Host incarnations that lost an arbitration: refused from then on, so a cut between two hosts goes one way
    // for every VM the pair shares (the loser is downed; a restarted host is a new incarnation).
    private readonly HashSet<(string Host, long Uid)> _condemned = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private readonly FaultSwitch _faults;

    public WitnessActor(FaultSwitch faults)
    {
        _faults = faults;
        Recover<EpochGrantedEvent>(Apply);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is WitnessSnapshotProto snapshot)
                foreach (var grant in snapshot.Grants) Apply(grant);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var vm in _registers.Keys.ToArray()) _registers[vm] = _registers[vm].AfterRestart(Now, MaxLeaseMs);
            PublishHolders();
        });
        Command<ClaimEpochRequestProto>(OnClaim);
        Command<RenewLeaseRequestProto>(OnRenew);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("witness snapshot failed: {0}", f.Cause.Message));
    }

    public static Props Props(FaultSwitch faults) => Akka.Actor.Props.Create(() => new WitnessActor(faults));

    public override string PersistenceId => "witness";

    private long Now => _clock.ElapsedMilliseconds;

    private void Apply(EpochGrantedEvent grant) =>
        _registers[grant.Vm] = new WitnessRegister(grant.Epoch, grant.Holder, Leased: !grant.NoLease);

    /// <summary>A register that may now hold a lease it did not hold before must say so durably before answering.</summary>
    private static bool TakesLease(WitnessRegister before, WitnessRegister after) => after.Leased && !before.Leased;

    private static EpochGrantedEvent GrantEvent(string vm, WitnessRegister register) =>
        new() { Vm = vm, Epoch = register.GrantedEpoch, Holder = register.Holder ?? "", NoLease = !register.Leased };

    private void OnClaim(ClaimEpochRequestProto claim)
    {
        if (_faults.Cuts(claim.Host)) return;
        var register = _registers.GetValueOrDefault(claim.Vm, WitnessRegister.Empty);
        var (granted, next) = _condemned.Contains((claim.Host, claim.HostUid))
            ? (false, register)
            : register.Claim(claim.Epoch, claim.Claimant, claim.Simplex, Now, Math.Clamp(claim.LeaseMs, 0, MaxLeaseMs));
        var answer = new ClaimEpochResponseProto
        {
            Vm = claim.Vm, Epoch = claim.Epoch, Granted = granted, GrantedEpoch = next.GrantedEpoch, Holder = next.Holder ?? "",
            RequestedAtMs = claim.RequestedAtMs,
        };
        if (!granted || (next.GrantedEpoch == register.GrantedEpoch && !TakesLease(register, next)))
        {
            _registers[claim.Vm] = next;
            Sender.Tell(answer);
            return;
        }
        var sender = Sender;
        PersistRegister(claim.Vm, next, () =>
        {
            _log.Info("granted epoch {0} of {1} to {2}{3}", next.GrantedEpoch, claim.Vm, next.Holder, claim.Simplex ? " (simplex lease)" : "");
            sender.Tell(answer);
            if (claim.Simplex && claim.PeerHost.Length > 0) Condemn(claim.PeerHost, claim.Vm);
            PublishHolders();
        });
    }

    /// <summary>Makes a register's new state durable, then applies it and runs <paramref name="then"/> (answering comes after).</summary>
    private void PersistRegister(string vm, WitnessRegister next, Action then) =>
        Persist(GrantEvent(vm, next), _ =>
        {
            _registers[vm] = next;
            then();
            if (LastSequenceNr % 1000 == 0) SaveSnapshot(Snapshot());
        });

    /// <summary>A failover epoch was granted against <paramref name="host"/>: its current incarnation lost every VM it shares.</summary>
    private void Condemn(string host, string vm)
    {
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m =>
            m.HasRole(HostOptions.HostRole) && m.Roles.Contains(HostDirectory.NameRolePrefix + host) &&
            m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up);
        if (member is null || !_condemned.Add((host, member.UniqueAddress.Uid))) return;
        Context.ActorSelection(DowningPaths.DowningActor).Tell(new HostLostArbitration(DowningPaths.MemberId(member.UniqueAddress), vm));
    }

    private void PublishHolders() =>
        Context.ActorSelection(DowningPaths.DowningActor).Tell(new EpochHolders(_registers.Values
            .Where(r => r.Holder is not null)
            .GroupBy(r => WitnessRegister.HostOf(r.Holder!))
            .ToDictionary(g => g.Key, g => g.Count())));

    private void OnRenew(RenewLeaseRequestProto renew)
    {
        if (_faults.Cuts(WitnessRegister.HostOf(renew.Claimant))) return;
        var register = _registers.GetValueOrDefault(renew.Vm, WitnessRegister.Empty);
        var (renewed, next) = register.Renew(renew.Epoch, renew.Claimant, Now, Math.Clamp(renew.LeaseMs, 0, MaxLeaseMs));
        var answer = new RenewLeaseResponseProto { Vm = renew.Vm, Epoch = renew.Epoch, Renewed = renewed, RequestedAtMs = renew.RequestedAtMs };
        if (next.Leased == register.Leased)
        {
            _registers[renew.Vm] = next;
            Sender.Tell(answer);
            return;
        }
        // Taking a lease is durable before the answer; a release may be lost in a crash (the restarted witness then waits: safe).
        var sender = Sender;
        PersistRegister(renew.Vm, next, () => sender.Tell(answer));
    }

    private WitnessSnapshotProto Snapshot()
    {
        var snapshot = new WitnessSnapshotProto();
        snapshot.Grants.AddRange(_registers.Select(r => GrantEvent(r.Key, r.Value)));
        return snapshot;
    }
}
