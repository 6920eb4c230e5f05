namespace AkkaLockstep.Host.Placement;

/// <summary>
/// One VM's pair: Hosts[0] is the preferred primary, Hosts[1] the preferred secondary. A single host means an
/// unprotected VM (one replica, journal on, no peer), used as the baseline that protection is measured against.
/// </summary>
public sealed record VmPlacement(string Name, string Kind, IReadOnlyList<string> Hosts)
{
    public bool IsOn(string host) => Hosts.Contains(host);
    public bool Unprotected => Hosts.Count == 1;
    public string? PeerOf(string host) => Unprotected ? null : Hosts[0] == host ? Hosts[1] : Hosts[0];
}

/// <summary>Which VMs exist and where. Versioned; a higher version always wins.</summary>
public sealed record PlacementTable(long Version, IReadOnlyList<VmPlacement> Vms)
{
    public static readonly PlacementTable Empty = new(0, []);

    public VmPlacement? Find(string name) => Vms.FirstOrDefault(v => v.Name == name);

    public PlacementTable With(VmPlacement vm) => new(Version + 1, [.. Vms.Where(v => v.Name != vm.Name), vm]);

    public PlacementTable Without(string name) => new(Version + 1, Vms.Where(v => v.Name != name).ToArray());
}
