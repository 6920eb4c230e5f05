using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Core;

/// <summary>
/// Two cores wired back to back with instant, lossless delivery and a journal that completes on demand, so a
/// test can hold a write back and look at what the pair does meanwhile. The link between them can be cut, a
/// replica stopped (no ticks, messages to it lost; it resumes as it was) and the witness taken down.
/// </summary>
public sealed class PairHarness
{
    public readonly Dictionary<string, ReplicaCore> Cores = new();
    public readonly Dictionary<string, List<Effect>> Unpersisted = new() { ["a"] = [], ["b"] = [] };
    public readonly List<Reply> Replies = [];
    public readonly List<string> Alarms = [];
    public readonly List<ForceSimplexAnswered> ForceAnswers = [];
    public WitnessRegister Witness = WitnessRegister.Empty;
    public bool AutoPersist = true;
    public bool Partitioned;
    public bool WitnessDown;
    public readonly HashSet<string> Down = [];
    private readonly Queue<(string To, PeerMessage Message)> _wire = new();
    public long Now = 1_000;

    public readonly List<string> Notices = [];

    /// <summary>Every peer message that was delivered, in order, with its receiver.</summary>
    public readonly List<(string To, PeerMessage Message)> Delivered = [];

    /// <summary>A message this returns true for is lost on the wire.</summary>
    public Func<string, PeerMessage, bool>? Drop;

    /// <summary>What the wire delivers instead of a message (damage on the way, a lying peer).</summary>
    public Func<string, PeerMessage, PeerMessage>? Tamper;

    public PairHarness(ReplicaOptions? options = null)
    {
        Cores["a"] = new ReplicaCore("a", "b", true, "a#1", new KvGuest(), 1, options);
        Cores["b"] = new ReplicaCore("b", "a", false, "b#1", new KvGuest(), 2, options);
        Run("a", Cores["a"].Start(Now));
        Run("b", Cores["b"].Start(Now));
        Pump();
    }

    /// <summary>
    /// A third replica, e.g. on a spare host, paired with <paramref name="peer"/>; or, under a name already taken, that
    /// replica restarted empty as a new <paramref name="incarnation"/>.
    /// </summary>
    public ReplicaCore AddReplica(string name, string peer, ReplicaOptions? options = null, int incarnation = 1)
    {
        Cores[name] = new ReplicaCore(name, peer, false, $"{name}#{incarnation}", new KvGuest(), (ulong)(Cores.Count + 1), options);
        Unpersisted[name] = [];
        Run(name, Cores[name].Start(Now));
        Pump();
        return Cores[name];
    }

    public void Feed(string name, CoreCommand command) => Run(name, Cores[name].Handle(command, Now));

    public void Pump()
    {
        for (var guard = 0; guard < 100_000 && _wire.Count > 0; guard++)
        {
            var (to, message) = _wire.Dequeue();
            if (Drop?.Invoke(to, message) == true) continue;
            if (Tamper is not null) message = Tamper(to, message);
            Delivered.Add((to, message));
            Feed(to, new PeerReceived(message));
        }
    }

    public void PersistAll(string name)
    {
        var pending = Unpersisted[name].ToArray();
        Unpersisted[name].Clear();
        foreach (var op in pending)
            Feed(name, new LocalPersisted(op switch { PersistEntries e => e.OpId, PersistEpoch e => e.OpId, PersistTruncate t => t.OpId, PersistSnapshot s => s.OpId, _ => 0 }));
        Pump();
    }

    private void Run(string name, IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PersistEntries or PersistEpoch or PersistTruncate or PersistSnapshot:
                    Unpersisted[name].Add(effect);
                    if (AutoPersist) PersistAll(name);
                    break;
                case SendToPeer send:
                    var to = Cores[name].Peer!;
                    if (!Partitioned && !Down.Contains(to)) _wire.Enqueue((to, send.Message));
                    break;
                case ClaimEpoch claim when !WitnessDown:
                    var (granted, next) = Witness.Claim(claim.Epoch, Cores[name].Incarnation, claim.Simplex, Now, claim.LeaseMs);
                    Witness = next;
                    Feed(name, granted
                        ? new EpochGranted(claim.Epoch, claim.RequestedAtMs)
                        : new EpochRefused(claim.Epoch, next.GrantedEpoch, claim.RequestedAtMs));
                    break;
                case RenewLease renew when !WitnessDown:
                    var (renewed, after) = Witness.Renew(renew.Epoch, Cores[name].Incarnation, Now, renew.LeaseMs);
                    Witness = after;
                    Feed(name, new LeaseAnswered(renew.Epoch, renewed, renew.RequestedAtMs));
                    break;
                case ForceSimplexAnswered answer:
                    ForceAnswers.Add(answer);
                    break;
                case Reply reply:
                    Replies.Add(reply);
                    break;
                case Alarm alarm:
                    Alarms.Add(alarm.Message);
                    break;
                case Notice notice:
                    Notices.Add(notice.Message);
                    break;
            }
        }
    }

    /// <summary>Advances time by <paramref name="ms"/> in 20 ms ticks to the running replicas, as the shell's timer does.</summary>
    public void Advance(long ms)
    {
        for (var end = Now + ms; Now < end;)
        {
            Now = Math.Min(end, Now + 20);
            foreach (var name in Cores.Keys.Where(n => !Down.Contains(n))) Feed(name, Tick.Instance);
            Pump();
        }
    }

    public ForceSimplexAnswered Force(string name)
    {
        Feed(name, new ForceSimplex($"force {name}"));
        Pump();
        return ForceAnswers[^1];
    }

    public Reply Request(string to, Guid session, long requestNo, KvCommand command, object? token = null)
    {
        var before = Replies.Count;
        Feed(to, new ClientRequest(token ?? $"{session}/{requestNo}", session, requestNo, command.Encode()));
        Pump();
        return Replies.Count > before ? Replies[^1] : null!;
    }
}
