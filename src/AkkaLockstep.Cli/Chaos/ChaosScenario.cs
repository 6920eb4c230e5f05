namespace AkkaLockstep.Cli.Chaos;

/// <summary>The faults a chaos cycle can inject; <see cref="All"/> picks one of the others at random per cycle.</summary>
public enum ChaosScenario { KillPrimary, KillSecondary, KillWitness, PartitionHosts, IsolatePrimary, PausePrimary, KillDuringResync, CorruptDisk, All }

public static class ChaosScenarios
{
    public static readonly IReadOnlyList<ChaosScenario> Single =
        [ChaosScenario.KillPrimary, ChaosScenario.KillSecondary, ChaosScenario.KillWitness, ChaosScenario.PartitionHosts,
         ChaosScenario.IsolatePrimary, ChaosScenario.PausePrimary, ChaosScenario.KillDuringResync, ChaosScenario.CorruptDisk];

    public static IEnumerable<string> Names => Single.Append(ChaosScenario.All).Select(Name);

    /// <summary>kill-primary, partition-hosts, …</summary>
    public static string Name(ChaosScenario scenario) => scenario switch
    {
        ChaosScenario.KillPrimary => "kill-primary",
        ChaosScenario.KillSecondary => "kill-secondary",
        ChaosScenario.KillWitness => "kill-witness",
        ChaosScenario.PartitionHosts => "partition-hosts",
        ChaosScenario.IsolatePrimary => "isolate-primary",
        ChaosScenario.PausePrimary => "pause-primary",
        ChaosScenario.KillDuringResync => "kill-during-resync",
        ChaosScenario.CorruptDisk => "corrupt-disk",
        _ => "all",
    };

    public static bool TryParse(string text, out ChaosScenario scenario)
    {
        foreach (var candidate in Single.Append(ChaosScenario.All))
        {
            if (Name(candidate) != text) continue;
            scenario = candidate;
            return true;
        }
        scenario = default;
        return false;
    }
}
