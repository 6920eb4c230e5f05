using System.Buffers.Binary;
using AkkaLockstep.Chaos;
using AkkaLockstep.Cli.Faults;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Chaos;

/// <summary>Options of `lockstep chaos`.</summary>
/// <param name="Faults">How to cut (--faults); null picks by how the cluster was started (<see cref="FaultInjectors.Choose"/>).</param>
public sealed record ChaosSettings(ChaosScenario Scenario, int Cycles, bool Json, int Sessions, int Seed, double FaultSeconds,
    FaultMode? Faults = null);

/// <summary>
/// `lockstep chaos`: real processes of the local cluster under a recorded client load; each cycle injects one
/// fault, undoes it (restart, heal, resume) and waits for the pair to be duplex again. Afterwards the history is
/// checked for lost and doubled writes, two primaries answering in one epoch window, and linearizability, and both
/// replicas are compared. Network cuts use iptables in the members' namespaces or each host's application-level
/// fault switch (<see cref="IFaultInjector"/>).
/// </summary>
public static class ChaosRunner
{
    public const string VmName = "chaos";
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(90);

    public static async Task<ChaosReport> RunAsync(ChaosSettings settings, CliContext context, CancellationToken ct)
    {
        var progress = settings.Json ? context.Error : context.Output;
        // Asked for iptables with no cluster running: start one that iptables can cut.
        using var cluster = await LocalClusterAccess.EnsureUpAsync(context, ct, settings.Faults == FaultMode.Iptables ? true : null);
        var faults = FaultInjectors.For(settings.Faults, cluster);
        await progress.WriteLineAsync($"cuts by {FaultModes.Description(faults.Mode)}");
        await progress.WriteLineAsync($"protecting kv VM '{VmName}' on two hosts…");
        await cluster.ProtectFreshAsync(VmName, null, "duplex", ct);
        await using var client = cluster.NewClient(TimeSpan.FromSeconds(30));
        var runId = $"chaos-{DateTime.UtcNow:yyyyMMddHHmmss}";
        var workload = new ChaosWorkload(client, VmName, runId, settings.Sessions, settings.Seed);
        using var stop = new CancellationTokenSource();
        var load = workload.RunAsync(stop.Token);
        var random = new Random(settings.Seed);
        var cycles = new List<ChaosCycle>();
        var problems = new List<string>();
        try
        {
            await Task.Delay(1000, ct);
            for (var i = 1; i <= settings.Cycles; i++)
            {
                var scenario = settings.Scenario == ChaosScenario.All ? ChaosScenarios.Single[random.Next(ChaosScenarios.Single.Count)] : settings.Scenario;
                var cycle = await RunCycleAsync(i, scenario, cluster, faults, workload, settings.FaultSeconds, ct);
                cycles.Add(cycle);
                await progress.WriteLineAsync($"  cycle {i,3}/{settings.Cycles}  {cycle.Scenario,-16} {cycle.Target,-8} primary {cycle.PrimaryBefore} -> {cycle.PrimaryAfter ?? "?"}  " +
                                              $"max stall {cycle.MaxStallMs,7:0} ms  duplex again after {cycle.RecoveredAfterS:0.0} s");
                await Task.Delay(500, ct);
            }
        }
        catch (CliException e)
        {
            problems.Add($"cycle {cycles.Count + 1} did not recover: {e.Message}");
        }
        finally
        {
            // A cycle that failed or was interrupted may have left a cut in place.
            if (cycles.Count < settings.Cycles) await faults.HealAllAsync();
            await stop.CancelAsync();
            await load;
        }
        await workload.FinalReadsAsync(ct);
        await progress.WriteLineAsync("checking the history and both replicas…");
        return await BuildReportAsync(settings, cluster, faults.Mode, workload, cycles, problems, ct);
    }

    private static async Task<ChaosCycle> RunCycleAsync(int index, ChaosScenario scenario, LocalClusterAccess cluster, IFaultInjector faults,
        ChaosWorkload workload, double faultSeconds, CancellationToken ct)
    {
        // A host that just rejoined may answer before it knows the placement: ask until one names a duplex primary.
        VmInfo? vm = null;
        await cluster.WaitUntilAsync(async () => (vm = await cluster.TryDescribeAsync(VmName, ct)) is { State: "duplex", Primary: not null },
            RecoveryTimeout, $"{VmName} duplex with a primary before cycle {index}", ct);
        var primary = vm!.Primary!;
        var secondary = vm.Hosts.Single(h => h != primary);
        var hold = TimeSpan.FromSeconds(faultSeconds);
        var started = workload.NowMs;
        var target = scenario switch
        {
            ChaosScenario.KillSecondary or ChaosScenario.CorruptDisk => secondary,
            ChaosScenario.KillWitness => cluster.Members.Single(m => m.Role == Host.HostOptions.WitnessRole).Name,
            ChaosScenario.PartitionHosts => $"{primary}|{secondary}",
            _ => primary,
        };
        switch (scenario)
        {
            case ChaosScenario.KillPrimary or ChaosScenario.KillSecondary or ChaosScenario.KillWitness:
                await cluster.KillAsync(target, ct);
                await Task.Delay(hold, ct);
                cluster.Restart(target);
                break;
            case ChaosScenario.PartitionHosts:
                await faults.PartitionAsync(primary, secondary, ct);
                await Task.Delay(hold, ct);
                await faults.HealAsync(primary, ct);
                await faults.HealAsync(secondary, ct);
                break;
            case ChaosScenario.IsolatePrimary:
                await faults.IsolateAsync(primary, ct);
                await Task.Delay(hold, ct);
                await faults.HealAsync(primary, ct);
                break;
            case ChaosScenario.PausePrimary:
                cluster.Pause(primary);
                await Task.Delay(hold, ct);
                cluster.Resume(primary);
                break;
            case ChaosScenario.KillDuringResync:
                target = await KillDuringResyncAsync(cluster, primary, secondary, hold, index, ct);
                break;
            case ChaosScenario.CorruptDisk:
                await CorruptDiskAsync(cluster, secondary, hold, ct);
                break;
        }
        await cluster.WaitForDuplexAnywhereAsync(VmName, RecoveryTimeout, ct);
        var after = (await cluster.TryDescribeAsync(VmName, ct))?.Primary;
        var ops = workload.History.Snapshot();
        return new ChaosCycle(index, ChaosScenarios.Name(scenario), target, primary, after,
            Math.Round(StallReport.MaxStallIn(ops, started, workload.NowMs), 1), Math.Round((workload.NowMs - started) / 1000.0, 1));
    }

    /// <summary>
    /// The secondary is killed and restarted; while it catches up (or as soon as it is back, if the catch-up is too
    /// quick to see) one side of the resync is killed — the returning secondary on odd cycles, the primary on even
    /// ones — and restarted. Returns the hosts hit.
    /// </summary>
    private static async Task<string> KillDuringResyncAsync(LocalClusterAccess cluster, string primary, string secondary, TimeSpan hold,
        int index, CancellationToken ct)
    {
        await cluster.KillAsync(secondary, ct);
        await Task.Delay(hold, ct);
        cluster.Restart(secondary);
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        while (DateTime.UtcNow < deadline && (await cluster.TryDescribeAsync(VmName, ct))?.State is not ("resyncing" or "duplex"))
            await Task.Delay(20, ct);
        var victim = index % 2 == 1 ? secondary : primary;
        await cluster.KillAsync(victim, ct);
        await Task.Delay(hold, ct);
        cluster.Restart(victim);
        return $"{secondary}>{victim}";
    }

    /// <summary>
    /// The secondary's host is killed, a byte in the middle of each of its disk files for the VM is flipped, and the
    /// host is restarted: the replica must refuse the disk and be rebuilt by its peer. Every file, because the newest
    /// may be a checkpoint the kill cut short before its snapshot named it: the replica would load the one before.
    /// Waits for the secondary to have a disk its journal names: a file whose snapshot record the kill cut off is not
    /// read at all (the replica replays its whole journal), and the fault would test nothing.
    /// </summary>
    private static async Task CorruptDiskAsync(LocalClusterAccess cluster, string secondary, TimeSpan hold, CancellationToken ct)
    {
        var folder = Path.Combine(cluster.Members.Single(m => m.Name == secondary).DataDir, "disks", VmName);
        string[] Disks() => Directory.Exists(folder) ? Directory.GetFiles(folder, "disk-*.img") : [];
        await cluster.WaitUntilAsync(async () => (await cluster.TryDescribeAsync(VmName, ct))?.Replicas
                                                 .SingleOrDefault(r => r.Host == secondary)?.Disk is { Index: > 0 },
            RecoveryTimeout, $"a disk file on {secondary} (checkpoints come every snapshotEvery inputs: `up --snapshot-every N` for short runs)", ct);
        await cluster.KillAsync(secondary, ct);
        // Looked up after the kill: a checkpoint may have replaced the ones seen before.
        foreach (var disk in Disks())
        {
            await using var file = new FileStream(disk, FileMode.Open, FileAccess.ReadWrite);
            file.Position = file.Length / 2;
            var value = file.ReadByte();
            file.Position = file.Length / 2;
            file.WriteByte((byte)(value ^ 0xff));
        }
        await Task.Delay(hold, ct);
        cluster.Restart(secondary);
    }

    private static async Task<ChaosReport> BuildReportAsync(ChaosSettings settings, LocalClusterAccess cluster, FaultMode mode,
        ChaosWorkload workload, List<ChaosCycle> cycles, List<string> problems, CancellationToken ct)
    {
        var ops = workload.History.Snapshot();
        // A cycle that did not recover in time may still do so: give the pair one more recovery timeout.
        if (problems.Count > 0)
        {
            try
            {
                await cluster.WaitForDuplexAnywhereAsync(VmName, RecoveryTimeout, ct);
            }
            catch (CliException e)
            {
                problems.Add($"still not duplex: {e.Message}");
            }
        }
        var (state, identical) = await ReadFinalStateAsync(cluster, problems, ct);
        // -1: unknown, no replica could be read (the report says why in problems).
        var (lost, duplicated) = state is null ? (-1L, -1L) : CheckFinalState(workload, state, problems);
        var split = SplitBrainChecker.Check(ops);
        problems.AddRange(split.Examples);
        var linear = LinearizabilityChecker.Check(ops, LinearizabilityBudget(ops.Count));
        if (linear.Linearizable == false) problems.Add($"not linearizable: {linear.Counterexample}");
        if (linear.Linearizable is null) problems.Add("linearizability check ran out of time");
        if (!identical) problems.Add("the two replicas differ");
        var stalls = cycles.Select(c => c.MaxStallMs).ToList();
        return new ChaosReport(ChaosScenarios.Name(settings.Scenario), cycles.Count, FaultModes.Description(mode), ops.Count,
            ops.Count(o => o.Answered), ops.Count(o => !o.Answered), lost, duplicated, split.Events, linear.Linearizable, identical,
            stalls.Count == 0 ? 0 : stalls.Max(), Math.Round(StallReport.Percentile(stalls, 99), 1), linear.Keys, cycles, problems);
    }

    /// <summary>Both replicas when they answer; else whichever does, so lost and doubled writes are still checked.</summary>
    private static async Task<(KvGuest? State, bool Identical)> ReadFinalStateAsync(LocalClusterAccess cluster, List<string> problems,
        CancellationToken ct)
    {
        try
        {
            var (first, _, identical, _) = await cluster.ReadBothAsync(VmName, ct);
            return (first, identical);
        }
        catch (CliException e)
        {
            problems.Add($"could not compare the replicas: {e.Message}");
        }
        try
        {
            return (await cluster.ReadAnyAsync(VmName, ct), false);
        }
        catch (CliException e)
        {
            problems.Add($"could not read any replica: {e.Message}");
            return (null, false);
        }
    }

    // A minute for a short run, growing with the history: a 50-cycle soak records several hundred thousand ops.
    private static TimeSpan LinearizabilityBudget(int ops) => TimeSpan.FromSeconds(60 + ops / 1000.0);

    /// <summary>Acknowledged fresh-key writes must be present; counters must hold every acknowledged bump and no more than those plus unanswered ones.</summary>
    private static (long Lost, long Duplicated) CheckFinalState(ChaosWorkload workload, KvGuest replica, List<string> problems)
    {
        long lost = 0, duplicated = workload.DoubledBumps;
        if (duplicated > 0) problems.Add($"{duplicated} counter bump(s) found their own earlier bump applied twice");
        foreach (var (key, value) in workload.AckedWrites)
        {
            if (replica.Entries.TryGetValue(key, out var stored) && stored.AsSpan().SequenceEqual(value)) continue;
            if (lost++ < 5) problems.Add($"lost acknowledged write {key}");
        }
        foreach (var (key, acked) in workload.AckedCounters)
        {
            var stored = replica.Entries.TryGetValue(key, out var bytes) ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
            var allowed = acked + workload.UnknownBumps.GetValueOrDefault(key);
            if (stored < acked)
            {
                lost += acked - stored;
                problems.Add($"counter {key} at {stored}, {acked} bumps acknowledged");
            }
            else if (stored > allowed)
            {
                duplicated += stored - allowed;
                problems.Add($"counter {key} at {stored}, at most {allowed} bumps possible");
            }
        }
        return (lost, duplicated);
    }
}
