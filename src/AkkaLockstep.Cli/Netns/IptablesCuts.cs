namespace AkkaLockstep.Cli.Netns;

/// <summary>Loads <see cref="CutRules"/> into a member's namespace. Runs from the root namespace, so healing needs no network.</summary>
public static class IptablesCuts
{
    public static void Install(string networkNamespace) => Apply(networkNamespace, CutRules.Install());

    /// <summary>--noflush keeps every rule the input does not name; --wait queues behind another run holding the xtables lock.</summary>
    public static void Apply(string networkNamespace, string rules) =>
        SystemCommand.Check("ip", ["netns", "exec", networkNamespace, SystemCommand.Find("iptables-restore") ?? "iptables-restore", "--wait", "--noflush"], rules);

    /// <summary>The chain's rules as `iptables -S` lists them (the tests check that healing left it empty).</summary>
    public static string List(string networkNamespace) =>
        SystemCommand.Check("ip", ["netns", "exec", networkNamespace, SystemCommand.Find("iptables") ?? "iptables", "--wait", "-S", CutRules.Chain]);
}
