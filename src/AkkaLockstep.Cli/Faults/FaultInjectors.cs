using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Cli.Faults;

public static class FaultInjectors
{
    /// <summary>The mode a run uses: the one asked for, else iptables on a cluster started with --netns, else the fault switch.</summary>
    public static FaultMode Choose(FaultMode? requested, bool netnsCluster) =>
        requested ?? (netnsCluster ? FaultMode.Iptables : FaultMode.App);

    public static IFaultInjector For(FaultMode? requested, LocalClusterAccess cluster)
    {
        if (Choose(requested, cluster.Network is not null) == FaultMode.App) return new AppFaultInjector(cluster);
        var network = cluster.Network
                      ?? throw new CliException("--faults iptables needs a cluster started with `lockstep up --netns` (run `lockstep down` first)");
        NetnsPrerequisites.Check();
        return new IptablesFaultInjector(network, cluster.Members);
    }
}
