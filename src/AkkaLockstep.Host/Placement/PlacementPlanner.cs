using System.Text.RegularExpressions;
using AkkaLockstep.Guests;

namespace AkkaLockstep.Host.Placement;

/// <summary>Pure placement decisions: validation of a protect request and the choice of its two hosts.</summary>
public static partial class PlacementPlanner
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();

    public sealed record Decision(VmPlacement? Vm, int StatusCode, string? Error)
    {
        public static Decision Fail(int status, string error) => new(null, status, error);
    }

    /// <param name="upHosts">Hosts currently up, in a stable order.</param>
    public static Decision PlanProtect(PlacementTable table, string name, string kind, IReadOnlyList<string>? requested,
        IReadOnlyList<string> upHosts)
    {
        if (!NamePattern().IsMatch(name))
            return Decision.Fail(400, $"invalid VM name '{name}': use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit");
        if (!GuestCatalog.IsKnown(kind))
            return Decision.Fail(400, $"unknown kind '{kind}' (known: {string.Join(", ", GuestCatalog.Kinds)})");
        if (table.Find(name) is not null)
            return Decision.Fail(409, $"VM '{name}' is already protected");
        IReadOnlyList<string> hosts;
        if (requested is { Count: > 0 })
        {
            if (requested.Count > 2) return Decision.Fail(400, "hosts takes two host names (or one for an unprotected VM), e.g. h1,h2");
            if (requested.Count == 2 && requested[0] == requested[1]) return Decision.Fail(400, "the two hosts of a VM must be distinct");
            var missing = requested.Where(h => !upHosts.Contains(h)).ToArray();
            if (missing.Length > 0)
                return Decision.Fail(400, $"host(s) not up: {string.Join(", ", missing)} (up: {string.Join(", ", upHosts)})");
            hosts = requested;
        }
        else
        {
            if (upHosts.Count < 2)
                return Decision.Fail(409, $"protecting a VM needs two hosts up; {upHosts.Count} up ({string.Join(", ", upHosts)})");
            hosts = ChooseHosts(table, upHosts);
        }
        return new Decision(new VmPlacement(name, kind, hosts), 200, null);
    }

    /// <summary>The two least-loaded hosts, the one holding fewer primaries first, so primaries spread.</summary>
    private static IReadOnlyList<string> ChooseHosts(PlacementTable table, IReadOnlyList<string> upHosts)
    {
        int Replicas(string h) => table.Vms.Count(v => v.IsOn(h));
        int Primaries(string h) => table.Vms.Count(v => v.Hosts[0] == h);
        var pair = upHosts.OrderBy(Replicas).ThenBy(Primaries).ThenBy(h => h, StringComparer.Ordinal).Take(2).ToArray();
        return Primaries(pair[1]) < Primaries(pair[0]) ? [pair[1], pair[0]] : pair;
    }

    /// <summary>A VM whose host <paramref name="Away"/> stayed away: its second replica moves to <paramref name="Spare"/>.</summary>
    public sealed record SpareMove(VmPlacement Vm, string Survivor, string Away, string Spare)
    {
        /// <summary>The survivor first: it holds the data and leads; the spare starts empty and follows.</summary>
        public VmPlacement Moved => Vm with { Hosts = [Survivor, Spare] };
    }

    /// <summary>
    /// Protected VMs with one host away for at least <paramref name="spareAfterMs"/>, the other up, and a host up that
    /// holds no replica of it: each gets the least-loaded such host as its new second host.
    /// </summary>
    /// <param name="awaySince">When each host that is not up was first seen away (the caller's clock, ms).</param>
    public static IReadOnlyList<SpareMove> PlanSpares(PlacementTable table, IReadOnlyList<string> upHosts,
        IReadOnlyDictionary<string, long> awaySince, long nowMs, long spareAfterMs)
    {
        var load = upHosts.ToDictionary(h => h, h => table.Vms.Count(v => v.IsOn(h)));
        var moves = new List<SpareMove>();
        foreach (var vm in table.Vms.Where(v => !v.Unprotected))
        {
            var away = vm.Hosts.Where(h => !upHosts.Contains(h)).ToArray();
            if (away.Length != 1 || !awaySince.TryGetValue(away[0], out var since) || nowMs - since < spareAfterMs) continue;
            var spare = upHosts.Where(h => !vm.IsOn(h)).OrderBy(h => load[h]).ThenBy(h => h, StringComparer.Ordinal).FirstOrDefault();
            if (spare is null) continue;
            load[spare]++;
            moves.Add(new SpareMove(vm, vm.PeerOf(away[0])!, away[0], spare));
        }
        return moves;
    }

    public static Decision PlanUnprotect(PlacementTable table, string name) =>
        table.Find(name) is { } vm ? new Decision(vm, 200, null) : Decision.Fail(404, $"unknown VM '{name}'");
}
