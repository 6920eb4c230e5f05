namespace AkkaLockstep.Cli.Faults;

/// <summary>How network cuts are made: each host's application-level fault switch, or iptables in the members' namespaces.</summary>
public enum FaultMode { App, Iptables }

public static class FaultModes
{
    public static IEnumerable<string> Names => [Name(FaultMode.Iptables), Name(FaultMode.App)];

    /// <summary>The value of `--faults`.</summary>
    public static string Name(FaultMode mode) => mode == FaultMode.Iptables ? "iptables" : "app";

    /// <summary>What reports print (the `fault_mode` of `chaos --json`).</summary>
    public static string Description(FaultMode mode) =>
        mode == FaultMode.Iptables ? "iptables (network namespaces)" : "application fault switch";

    public static bool TryParse(string text, out FaultMode mode)
    {
        foreach (var candidate in new[] { FaultMode.Iptables, FaultMode.App })
        {
            if (Name(candidate) != text) continue;
            mode = candidate;
            return true;
        }
        mode = default;
        return false;
    }
}
