using System.Diagnostics;
using AkkaLockstep.Cli.Faults;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Broker;
using AkkaLockstep.Cli.Workload;

namespace AkkaLockstep.Cli.Demo;

/// <summary>
/// The failure phases of `lockstep demo`, run against the local cluster while the broker clients keep working:
/// SIGKILL of the host holding the primary, its return, a host-to-host cut and its healing (iptables on a cluster
/// started with `up --netns`, else the hosts' application fault switch). Each phase records the transactions the
/// clients completed and the errors they saw meanwhile, and lasts until the clients completed at least one
/// transaction in it (on a slow machine a fixed-length phase might otherwise show nothing).
/// </summary>
public sealed class DemoFaults(LocalClusterAccess cluster, IFaultInjector faults, BrokerCounters load, StallMeter stalls, Stopwatch clock,
    TextWriter progress)
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(3);

    public List<DemoPhase> Phases { get; } = [];

    /// <summary>Waits until the clients have answered <paramref name="transactions"/> transactions: connected and warmed up.</summary>
    public Task WarmUpAsync(long transactions, CancellationToken ct) =>
        cluster.WaitUntilAsync(() => Task.FromResult(load.Acked >= transactions), RecoveryTimeout, $"{transactions} transactions to warm up", ct);

    public async Task SteadyAsync(string name, TimeSpan length, CancellationToken ct) =>
        await PhaseAsync(name, $"steady load for {length.TotalSeconds:0} s", false, () => Task.Delay(length, ct), ct);

    public async Task RunFailuresAsync(string vm, CancellationToken ct)
    {
        var before = await cluster.TryDescribeAsync(vm, ct) ?? throw new CliException($"no host answers about {vm}");
        var victim = before.Primary ?? throw new CliException($"{vm} has no primary");
        var survivor = before.Hosts.Single(h => h != victim);

        await PhaseAsync("kill-primary", $"SIGKILL {victim} (holds the primary); {survivor} takes over", false, async () =>
        {
            await cluster.KillAsync(victim, ct);
            await cluster.WaitUntilAsync(async () => (await cluster.TryDescribeAsync(vm, ct))?.Primary == survivor,
                RecoveryTimeout, $"{survivor} to hold the primary of {vm}", ct);
            var acked = load.Acked;
            await cluster.WaitUntilAsync(() => Task.FromResult(load.Acked > acked), RecoveryTimeout, $"clients served by {survivor}", ct);
        }, ct);
        await PhaseAsync("return", $"{victim} starts again and catches up", true, async () =>
        {
            cluster.Restart(victim);
            await cluster.WaitForDuplexAnywhereAsync(vm, RecoveryTimeout, ct);
        }, ct);
        await PhaseAsync("cut-hosts", $"{victim} and {survivor} cut from each other for {CutFor.TotalSeconds:0} s by " +
                                      $"{FaultModes.Description(faults.Mode)} (both reach the witness)", false, async () =>
        {
            try
            {
                await faults.PartitionAsync(victim, survivor, ct);
                await Task.Delay(CutFor, ct);
            }
            catch
            {
                // Interrupted mid-cut: leave no cut behind.
                await faults.HealAllAsync();
                throw;
            }
        }, ct);
        await PhaseAsync("heal", "the cut heals; the host that lost rejoins and the pair is duplex again", true, async () =>
        {
            await faults.HealAsync(victim, ct);
            await faults.HealAsync(survivor, ct);
            await cluster.WaitForDuplexAnywhereAsync(vm, RecoveryTimeout, ct);
        }, ct);
    }

    private async Task PhaseAsync(string name, string what, bool endsDuplex, Func<Task> body, CancellationToken ct)
    {
        var startMs = clock.Elapsed.TotalMilliseconds;
        var (acked, failed) = (load.Acked, load.Failed);
        await progress.WriteLineAsync($"-- {name}: {what}");
        await body();
        await cluster.WaitUntilAsync(() => Task.FromResult(load.Acked > acked), RecoveryTimeout, $"a transaction answered during {name}", ct);
        var endMs = clock.Elapsed.TotalMilliseconds;
        var seconds = Math.Round((endMs - startMs) / 1000, 1);
        var phase = new DemoPhase(name, what, seconds, load.Acked - acked, load.Failed - failed,
            Math.Round(stalls.MaxStallIn(startMs, endMs), 1), endsDuplex ? seconds : null);
        Phases.Add(phase);
        await progress.WriteLineAsync($"   {name} done in {phase.Seconds} s: {phase.Acked:N0} transactions, {phase.Failed} errors, " +
                                      $"longest stall {phase.MaxStallMs:N0} ms");
    }
}
