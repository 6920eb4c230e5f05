using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Cli.Netns;

/// <summary>
/// The network of a `lockstep up --netns` cluster: one bridge in the root namespace holding the gateway address
/// (the CLI's own address towards the members), and per member a namespace joined to the bridge by a veth pair.
/// Addresses are on 10.213.N.0/24 (N picked free per cluster): .1 the bridge, .2, .3, ... the members in order.
/// Names carry a per-cluster id so that two clusters on one machine never share a device or a namespace.
/// </summary>
public sealed record NetworkPlan(string Id, string Bridge, string Subnet, string Gateway, IReadOnlyList<MemberNetwork> Members)
{
    /// <summary>10.213.0.0/16: private, and rarely used by Docker, VPNs or cloud networks, which favour 172.16/12, 10.0-10.10 and 192.168/16.</summary>
    public const string Prefix = "10.213";

    public const int PrefixLength = 24;

    // Linux limits interface names to 15 characters; the id is at most 8 (checked in Create).
    private const int MaxIdLength = 8;

    public static NetworkPlan Create(string id, int subnetOctet, IReadOnlyList<string> memberNames)
    {
        if (id.Length is 0 or > MaxIdLength || !id.All(char.IsAsciiLetterOrDigit))
            throw new CliException($"network id '{id}' must be 1-{MaxIdLength} letters or digits");
        if (subnetOctet is < 0 or > 255) throw new CliException($"subnet {Prefix}.{subnetOctet}.0/{PrefixLength} does not exist");
        if (memberNames.Count is 0 or > 253) throw new CliException($"{memberNames.Count} members do not fit one /{PrefixLength}");
        var network = $"{Prefix}.{subnetOctet}";
        var members = memberNames.Select((name, i) =>
            new MemberNetwork(name, $"lockstep-{id}-{name}", $"lsv{id}{i}", $"lsp{id}{i}", $"{network}.{i + 2}")).ToList();
        return new NetworkPlan(id, $"lsbr{id}", $"{network}.0/{PrefixLength}", $"{network}.1", members);
    }

    public MemberNetwork Member(string name) =>
        Members.FirstOrDefault(m => m.Name == name) ?? throw new CliException($"no member named {name} in network {Id}");

    /// <summary>The members as `up` laid them out, moved to their namespaces: they bind and advertise their namespace address.</summary>
    public IReadOnlyList<MemberRecord> Place(IReadOnlyList<MemberRecord> members) =>
        members.Select(m => m with { Hostname = Member(m.Name).Address, Namespace = Member(m.Name).Namespace }).ToList();
}
