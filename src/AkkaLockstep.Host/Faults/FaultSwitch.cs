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
    private sealed record Cut(ImmutableHashSet<string> Blocked, bool Isolated);

    // One object, swapped whole, so a reader never sees the members of one setting with the isolation of another.
    private volatile Cut _cut = new(ImmutableHashSet<string>.Empty, false);

    public FaultState State => new(_cut.Blocked.Order(StringComparer.Ordinal).ToArray(), _cut.Isolated);

    /// <summary>Clients get no answers (and no pongs) while the host is isolated.</summary>
    public bool ClientsCut => _cut.Isolated;

    public bool Cuts(string? member)
    {
        var cut = _cut;
        return cut.Isolated || (member is not null && cut.Blocked.Contains(member));
    }

    public void Set(IEnumerable<string> blocked, bool isolated) =>
        _cut = new Cut(blocked.Where(b => !string.IsNullOrWhiteSpace(b)).ToImmutableHashSet(StringComparer.Ordinal), isolated);
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
