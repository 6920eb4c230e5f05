using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Faults;

/// <summary>
/// Cuts through each host's application-level fault switch (`POST /local/faults`): needs no root, but Akka's own
/// gossip still flows (see FaultSwitch).
/// </summary>
public sealed class AppFaultInjector(LocalClusterAccess cluster) : IFaultInjector
{
    // A host that lost the cut restarts its actor system before its endpoint answers again; on a loaded machine
    // that has taken over 30 s.
    private static readonly TimeSpan HealTimeout = TimeSpan.FromSeconds(90);

    public FaultMode Mode => FaultMode.App;

    public async Task PartitionAsync(string a, string b, CancellationToken ct)
    {
        await cluster.SetFaultsAsync(a, new FaultRequest([b], false), ct);
        await cluster.SetFaultsAsync(b, new FaultRequest([a], false), ct);
    }

    public Task IsolateAsync(string member, CancellationToken ct) => cluster.SetFaultsAsync(member, new FaultRequest([], true), ct);

    /// <summary>A cut host may be restarting after being downed: keep asking its endpoint until it answers.</summary>
    public Task HealAsync(string member, CancellationToken ct) =>
        cluster.WaitUntilAsync(async () =>
        {
            await cluster.SetFaultsAsync(member, new FaultRequest([], false), ct);
            return true;
        }, HealTimeout, $"{member} healed", ct);

    public async Task HealAllAsync()
    {
        foreach (var member in cluster.Members.Where(m => m.Role == Host.HostOptions.HostRole && MemberProcess.IsAlive(m)))
        {
            try
            {
                await cluster.SetFaultsAsync(member.Name, new FaultRequest([], false), CancellationToken.None);
            }
            catch (CliException)
            {
                // Restarting or gone: its switch starts healed or is gone with it.
            }
        }
    }
}
