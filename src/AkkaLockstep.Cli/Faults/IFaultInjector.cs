namespace AkkaLockstep.Cli.Faults;

/// <summary>Network cuts between members of the local cluster, however they are made (see <see cref="FaultMode"/>).</summary>
public interface IFaultInjector
{
    FaultMode Mode { get; }

    /// <summary>Cuts <paramref name="a"/> and <paramref name="b"/> from each other, both ways; both keep every other link.</summary>
    Task PartitionAsync(string a, string b, CancellationToken ct);

    /// <summary>Cuts <paramref name="member"/> from the other members and from every client.</summary>
    Task IsolateAsync(string member, CancellationToken ct);

    /// <summary>Undoes every cut <paramref name="member"/> has.</summary>
    Task HealAsync(string member, CancellationToken ct);

    /// <summary>Best effort on the way out (an interrupted run): undoes every cut it can, never throws.</summary>
    Task HealAllAsync();
}
