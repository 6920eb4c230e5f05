using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Cli.Faults;

/// <summary>
/// Real cuts: DROP rules in the members' namespaces (<see cref="CutRules"/>), so every packet between them goes,
/// Akka gossip and the link watchdog's HTTP probes included. Rules are loaded from the root namespace with
/// `ip netns exec`, so healing needs no network and works whatever the cut.
/// </summary>
public sealed class IptablesFaultInjector(NetworkPlan plan, IReadOnlyList<MemberRecord> members) : IFaultInjector
{
    public FaultMode Mode => FaultMode.Iptables;

    public Task PartitionAsync(string a, string b, CancellationToken ct)
    {
        IptablesCuts.Apply(plan.Member(a).Namespace, CutRules.Cut([plan.Member(b).Address]));
        IptablesCuts.Apply(plan.Member(b).Namespace, CutRules.Cut([plan.Member(a).Address]));
        return Task.CompletedTask;
    }

    public Task IsolateAsync(string member, CancellationToken ct)
    {
        var network = plan.Member(member);
        var commandPort = members.Single(m => m.Name == member).CommandPort;
        IptablesCuts.Apply(network.Namespace, CutRules.Isolate(network.Address, plan.Gateway, commandPort, plan.Subnet));
        return Task.CompletedTask;
    }

    public Task HealAsync(string member, CancellationToken ct)
    {
        IptablesCuts.Apply(plan.Member(member).Namespace, CutRules.Heal());
        return Task.CompletedTask;
    }

    public Task HealAllAsync()
    {
        foreach (var member in plan.Members)
        {
            try
            {
                IptablesCuts.Apply(member.Namespace, CutRules.Heal());
            }
            catch (CliException)
            {
                // The namespace is gone (`down` ran meanwhile): nothing left to heal.
            }
        }
        return Task.CompletedTask;
    }
}
