using AkkaLockstep.Host.Placement;

namespace AkkaLockstep.Host.Tests.Placement;

/// <summary>Which VMs move to a spare host, and where, when one of their hosts stays away.</summary>
public sealed class SparePlanningTests
{
    private const long SpareAfterMs = 60_000;

    private static readonly PlacementTable Table = new(7,
    [
        new VmPlacement("a", "kv", ["h1", "h2"]),
        new VmPlacement("b", "kv", ["h2", "h1"]),
        new VmPlacement("c", "sql", ["h1", "h3"]),
        new VmPlacement("solo", "kv", ["h2"]),
    ]);

    [Fact]
    public void Nothing_moves_before_the_host_was_away_for_the_whole_delay()
    {
        var away = new Dictionary<string, long> { ["h2"] = 1_000 };
        Assert.Empty(PlacementPlanner.PlanSpares(Table, ["h1", "h3", "h4"], away, 1_000 + SpareAfterMs - 1, SpareAfterMs));
    }

    [Fact]
    public void After_the_delay_each_vm_of_the_away_host_moves_to_the_least_loaded_host_up_with_its_survivor_first()
    {
        var away = new Dictionary<string, long> { ["h2"] = 1_000 };
        var moves = PlacementPlanner.PlanSpares(Table, ["h1", "h3", "h4"], away, 1_000 + SpareAfterMs, SpareAfterMs);
        // h4 holds nothing, h3 one replica: a goes to h4, then b to h3 (h4 has a now), ties broken by name.
        Assert.Equal([("a", "h1", "h2", "h4"), ("b", "h1", "h2", "h3")], moves.Select(m => (m.Vm.Name, m.Survivor, m.Away, m.Spare)));
        Assert.Equal(["h1", "h4"], moves[0].Moved.Hosts);
        Assert.Equal(["h1", "h3"], moves[1].Moved.Hosts);
        Assert.Equal("kv", moves[0].Moved.Kind);
    }

    [Fact]
    public void A_vm_with_both_hosts_away_or_no_spare_up_or_one_replica_stays()
    {
        var away = new Dictionary<string, long> { ["h1"] = 0, ["h2"] = 0 };
        Assert.Empty(PlacementPlanner.PlanSpares(Table, ["h3"], away, SpareAfterMs * 2, SpareAfterMs).Where(m => m.Vm.Name is "a" or "b" or "solo"));
        // With only the pair's own hosts up there is nowhere to go.
        Assert.Empty(PlacementPlanner.PlanSpares(Table, ["h1"], new Dictionary<string, long> { ["h2"] = 0 }, SpareAfterMs * 2, SpareAfterMs)
            .Where(m => m.Vm.Name is "a" or "b"));
    }
}
