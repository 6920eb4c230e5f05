namespace AkkaLockstep.Cli.Netns;

/// <summary>What --netns needs before it creates anything: root, and the ip and iptables tools.</summary>
public static class NetnsPrerequisites
{
    public const string NeedsRoot = "--netns needs root (ip netns, iptables)";

    private static readonly string[] Tools = ["ip", "iptables", "iptables-restore"];

    /// <returns>Why --netns cannot run here, or null if it can.</returns>
    public static string? Problem(bool isRoot, Func<string, string?> find)
    {
        if (!isRoot) return NeedsRoot;
        var missing = Tools.Where(t => find(t) is null).ToList();
        return missing.Count == 0 ? null
            : $"--netns needs {string.Join(", ", missing)}, not found on PATH or in /usr/sbin, /sbin (Debian: apt-get install -y iproute2 iptables)";
    }

    /// <summary>Throws the problem, if any, for this process.</summary>
    public static void Check()
    {
        if (Problem(Environment.IsPrivilegedProcess, SystemCommand.Find) is { } problem) throw new CliException(problem);
    }
}
