namespace AkkaLockstep.Cli.Netns;

/// <summary>Creates and removes the bridge, veth pairs and namespaces of a <see cref="NetworkPlan"/> with `ip`.</summary>
public static class NetworkNamespaces
{
    private const string Ip = "ip";

    /// <summary>
    /// A plan with an id no existing link or namespace uses and a 10.213.N.0/24 that no address or route of the
    /// root namespace touches (another cluster's bridge, a VPN, ...).
    /// </summary>
    public static NetworkPlan PickFree(IReadOnlyList<string> memberNames)
    {
        var links = SystemCommand.Check(Ip, ["-o", "link", "show"]);
        var namespaces = SystemCommand.Check(Ip, ["netns", "list"]);
        var taken = SystemCommand.Check(Ip, ["-4", "-o", "address", "show"]) + SystemCommand.Check(Ip, ["-4", "route", "show", "table", "all"]);
        var random = new Random();
        var octets = Enumerable.Range(0, 256).Where(n => !taken.Contains($"{NetworkPlan.Prefix}.{n}.")).ToList();
        if (octets.Count == 0) throw new CliException($"every {NetworkPlan.Prefix}.N.0/{NetworkPlan.PrefixLength} is in use on this machine");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var id = random.Next(0x10000).ToString("x4");
            var plan = NetworkPlan.Create(id, octets[random.Next(octets.Count)], memberNames);
            if (!links.Contains(plan.Bridge) && !plan.Members.Any(m => links.Contains(m.HostVeth) || namespaces.Contains(m.Namespace)))
                return plan;
        }
        throw new CliException("found no free network id for --netns");
    }

    /// <summary>Builds the whole network; if any step fails, removes what was built and rethrows.</summary>
    public static void Create(NetworkPlan plan)
    {
        try
        {
            SystemCommand.Check(Ip, ["link", "add", plan.Bridge, "type", "bridge"]);
            SystemCommand.Check(Ip, ["address", "add", $"{plan.Gateway}/{NetworkPlan.PrefixLength}", "dev", plan.Bridge]);
            SystemCommand.Check(Ip, ["link", "set", plan.Bridge, "up"]);
            foreach (var m in plan.Members)
            {
                SystemCommand.Check(Ip, ["netns", "add", m.Namespace]);
                // The namespace end gets a temporary unique name (names are global until it moves), then becomes eth0.
                SystemCommand.Check(Ip, ["link", "add", m.HostVeth, "type", "veth", "peer", "name", m.PeerVeth]);
                SystemCommand.Check(Ip, ["link", "set", m.PeerVeth, "netns", m.Namespace]);
                SystemCommand.Check(Ip, ["link", "set", m.HostVeth, "master", plan.Bridge, "up"]);
                SystemCommand.Check(Ip, ["-n", m.Namespace, "link", "set", m.PeerVeth, "name", "eth0"]);
                SystemCommand.Check(Ip, ["-n", m.Namespace, "address", "add", $"{m.Address}/{NetworkPlan.PrefixLength}", "dev", "eth0"]);
                SystemCommand.Check(Ip, ["-n", m.Namespace, "link", "set", "eth0", "up"]);
                // A member's traffic to its own address goes over lo.
                SystemCommand.Check(Ip, ["-n", m.Namespace, "link", "set", "lo", "up"]);
                IptablesCuts.Install(m.Namespace);
            }
        }
        catch
        {
            Destroy(plan);
            throw;
        }
    }

    /// <summary>
    /// Removes what exists of the network and returns what it removed. Deleting a namespace also deletes its
    /// firewall rules; the veth ends are deleted explicitly because a namespace (and with it its eth0) outlives
    /// `ip netns delete` until the kernel has released it.
    /// </summary>
    public static IReadOnlyList<string> Destroy(NetworkPlan plan)
    {
        var removed = new List<string>();
        foreach (var m in plan.Members)
        {
            if (SystemCommand.Run(Ip, ["link", "delete", m.HostVeth]).ExitCode == 0) removed.Add(m.HostVeth);
            if (SystemCommand.Run(Ip, ["netns", "delete", m.Namespace]).ExitCode == 0) removed.Add(m.Namespace);
        }
        if (SystemCommand.Run(Ip, ["link", "delete", plan.Bridge]).ExitCode == 0) removed.Add(plan.Bridge);
        return removed;
    }

    /// <summary>True if every namespace of the plan and its bridge exist (after a reboot none do).</summary>
    public static bool Exists(NetworkPlan plan)
    {
        var namespaces = SystemCommand.Check(Ip, ["netns", "list"]).Split('\n').Select(l => l.Split(' ')[0]).ToHashSet();
        return plan.Members.All(m => namespaces.Contains(m.Namespace)) && SystemCommand.Run(Ip, ["link", "show", plan.Bridge]).ExitCode == 0;
    }
}
