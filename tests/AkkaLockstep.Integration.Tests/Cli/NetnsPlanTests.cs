using AkkaLockstep.Cli;
using AkkaLockstep.Cli.Faults;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>The pure parts of `up --netns` and iptables cuts: address plan, rule text, mode choice, prerequisites.</summary>
public sealed class NetnsPlanTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static NetworkPlan Plan() => NetworkPlan.Create("ab12", 7, ["witness", "h1", "h2"]);

    [Fact]
    public void Plan_puts_the_bridge_first_and_each_member_on_its_own_address_and_namespace()
    {
        var plan = Plan();
        Assert.Equal(("lsbrab12", "10.213.7.0/24", "10.213.7.1"), (plan.Bridge, plan.Subnet, plan.Gateway));
        Assert.Equal(
            [("witness", "lockstep-ab12-witness", "lsvab120", "lspab120", "10.213.7.2"),
             ("h1", "lockstep-ab12-h1", "lsvab121", "lspab121", "10.213.7.3"),
             ("h2", "lockstep-ab12-h2", "lsvab122", "lspab122", "10.213.7.4")],
            plan.Members.Select(m => (m.Name, m.Namespace, m.HostVeth, m.PeerVeth, m.Address)));
    }

    [Fact]
    public void The_longest_id_still_gives_interface_names_linux_accepts()
    {
        var plan = NetworkPlan.Create("abcdef12", 255, ["witness", "h1", "h2"]);
        Assert.All(plan.Members.SelectMany(m => new[] { m.HostVeth, m.PeerVeth }).Append(plan.Bridge), name => Assert.True(name.Length <= 15, name));
    }

    [Theory]
    [InlineData("", 7)]
    [InlineData("abcdef123", 7)]
    [InlineData("a-b", 7)]
    [InlineData("ab12", 256)]
    [InlineData("ab12", -1)]
    public void Plan_refuses_ids_and_subnets_that_do_not_fit(string id, int octet) =>
        Assert.Throws<CliException>(() => NetworkPlan.Create(id, octet, ["witness"]));

    [Fact]
    public void Placed_members_bind_advertise_and_seed_on_their_namespace_address()
    {
        var members = Plan().Place(PortScheme.Members(PortScheme.DefaultBasePort, "/state"));
        Assert.Equal([("10.213.7.2", "lockstep-ab12-witness"), ("10.213.7.3", "lockstep-ab12-h1"), ("10.213.7.4", "lockstep-ab12-h2")],
            members.Select(m => (m.Hostname, m.Namespace!)));
        Assert.Equal("akka.tcp://lockstep@10.213.7.2:4053,akka.tcp://lockstep@10.213.7.3:4054,akka.tcp://lockstep@10.213.7.4:4055",
            PortScheme.Seed(members));
        Assert.Equal("http://10.213.7.3:9111/", PortScheme.Endpoint(members));
    }

    [Fact]
    public void Cluster_file_keeps_the_network_and_each_members_namespace()
    {
        var plan = Plan();
        var members = plan.Place(PortScheme.Members(PortScheme.DefaultBasePort, _cli.StateDirectory));
        new ClusterFile(PortScheme.DefaultBasePort, PortScheme.Endpoint(members), members, plan).Save(_cli.StateDirectory);

        var loaded = ClusterFile.TryLoad(_cli.StateDirectory)!;
        Assert.Equal(plan.Members, loaded.Network!.Members);
        Assert.Equal((plan.Id, plan.Bridge, plan.Subnet, plan.Gateway), (loaded.Network.Id, loaded.Network.Bridge, loaded.Network.Subnet, loaded.Network.Gateway));
        Assert.Equal(members, loaded.Members);
    }

    [Fact]
    public void A_cut_drops_the_other_side_both_ways_in_our_chain_only()
    {
        Assert.Equal("*filter\n-F LOCKSTEP-CUT\n-A LOCKSTEP-CUT -s 10.213.7.4 -j DROP\n-A LOCKSTEP-CUT -d 10.213.7.4 -j DROP\nCOMMIT\n",
            CutRules.Cut(["10.213.7.4"]));
        Assert.Equal("*filter\n-F LOCKSTEP-CUT\nCOMMIT\n", CutRules.Heal());
        Assert.Equal("*filter\n:LOCKSTEP-CUT - [0:0]\n-I INPUT 1 -j LOCKSTEP-CUT\n-I OUTPUT 1 -j LOCKSTEP-CUT\nCOMMIT\n", CutRules.Install());
    }

    [Fact]
    public void Isolation_drops_the_subnet_but_keeps_the_command_endpoint_open_to_the_gateway_alone()
    {
        Assert.Equal(
            "*filter\n-F LOCKSTEP-CUT\n" +
            "-A LOCKSTEP-CUT -s 10.213.7.3 -d 10.213.7.3 -j RETURN\n" +
            "-A LOCKSTEP-CUT -s 10.213.7.1 -d 10.213.7.3 -p tcp --dport 9111 -j RETURN\n" +
            "-A LOCKSTEP-CUT -s 10.213.7.3 -d 10.213.7.1 -p tcp --sport 9111 -j RETURN\n" +
            "-A LOCKSTEP-CUT -s 10.213.7.0/24 -j DROP\n" +
            "-A LOCKSTEP-CUT -d 10.213.7.0/24 -j DROP\nCOMMIT\n",
            CutRules.Isolate("10.213.7.3", "10.213.7.1", 9111, "10.213.7.0/24"));
    }

    [Fact]
    public void Fault_mode_defaults_to_iptables_on_a_netns_cluster_and_to_the_switch_elsewhere()
    {
        Assert.Equal(FaultMode.Iptables, FaultInjectors.Choose(null, netnsCluster: true));
        Assert.Equal(FaultMode.App, FaultInjectors.Choose(null, netnsCluster: false));
        Assert.Equal(FaultMode.App, FaultInjectors.Choose(FaultMode.App, netnsCluster: true));
        Assert.True(FaultModes.TryParse("iptables", out var mode) && mode == FaultMode.Iptables);
        Assert.False(FaultModes.TryParse("nft", out _));
        Assert.Equal("iptables (network namespaces)", FaultModes.Description(FaultMode.Iptables));
        Assert.Equal("application fault switch", FaultModes.Description(FaultMode.App));
    }

    [Fact]
    public void Netns_needs_root_first_and_then_names_each_missing_tool()
    {
        Assert.Equal("--netns needs root (ip netns, iptables)", NetnsPrerequisites.Problem(false, t => "/usr/sbin/" + t));
        Assert.Null(NetnsPrerequisites.Problem(true, t => "/usr/sbin/" + t));
        var problem = NetnsPrerequisites.Problem(true, t => t == "ip" ? "/usr/sbin/ip" : null);
        Assert.Contains("iptables, iptables-restore", problem);
        Assert.Contains("apt-get install -y iproute2 iptables", problem);
    }

    [Fact]
    public async Task Chaos_refuses_an_unknown_fault_mode_before_anything_starts()
    {
        var (exit, _, error) = await _cli.RunAsync("chaos", "--scenario", "partition-hosts", "--faults", "nft");
        Assert.NotEqual(0, exit);
        Assert.Contains("unknown --faults 'nft'; one of: iptables, app", error);
        Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
    }
}
