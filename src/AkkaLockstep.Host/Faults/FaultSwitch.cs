using System.Collections.Immutable;

namespace AkkaLockstep.Host.Faults;

/// <summary>What a host's fault switch currently cuts.</summary>
public sealed record FaultState(IReadOnlyList<string> Blocked, bool Isolated);

/// <summary>
/// An application-level network cut, usable without root (chaos runs, the demo): traffic between this host and
/// the named members (or, when isolated, everyone and every client) is dropped both ways in this process —
/// replica messages, witness claims and answers, downing heartbeats, client requests and responses. Akka's
/// own cluster gossip is not cut, so membership sees the host as reachable; the witness still downs it through
/// its arbitration. One switch lives for the whole process: a host that is downed and rejoins stays cut.
/// </summary>
public sealed class FaultSwitch
{
    private volatile FaultState _state = new([], false);
    private volatile ImmutableHashSet<string> _blocked = ImmutableHashSet<string>.Empty;

    public FaultState State => _state;

    /// <summary>Clients get no answers (and no pongs) while the host is isolated.</summary>
    public bool ClientsCut => _state.Isolated;

    public bool Cuts(string? member) => _state.Isolated || (member is not null && _blocked.Contains(member));

    public void Set(IEnumerable<string> blocked, bool isolated)
    {
        var set = blocked.Where(b => !string.IsNullOrWhiteSpace(b)).ToImmutableHashSet(StringComparer.Ordinal);
        _blocked = set;
        _state = new FaultState(set.Order(StringComparer.Ordinal).ToArray(), isolated);
    }

    public void Heal() => Set([], false);
}

/// <summary>
/// Finds the fault switch of an actor system from actors created by Akka itself (the downing actor), which
/// cannot be handed one through their constructor.
/// </summary>
public static class FaultSwitches
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Akka.Actor.ActorSystem, FaultSwitch> Switches = new();

    public static void Register(Akka.Actor.ActorSystem system, FaultSwitch faults) => Switches.AddOrUpdate(system, faults);

    public static FaultSwitch? For(Akka.Actor.ActorSystem system) => Switches.TryGetValue(system, out var faults) ? faults : null;
}
