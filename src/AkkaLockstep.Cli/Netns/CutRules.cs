using System.Text;

namespace AkkaLockstep.Cli.Netns;

/// <summary>
/// The firewall rules of a member's namespace, as iptables-restore input. All cuts live in one chain of our own,
/// hooked first into INPUT and OUTPUT, so that setting or healing a cut (flushing that chain) never touches any
/// other rule. Each setting replaces the previous one whole, as the application fault switch does.
/// </summary>
public static class CutRules
{
    public const string Chain = "LOCKSTEP-CUT";

    public static string Install() => Table(
        $":{Chain} - [0:0]",
        $"-I INPUT 1 -j {Chain}",
        $"-I OUTPUT 1 -j {Chain}");

    public static string Heal() => Table($"-F {Chain}");

    /// <summary>Drops every packet from and to each of <paramref name="addresses"/>: a cut both ways as seen from this side.</summary>
    public static string Cut(IEnumerable<string> addresses) =>
        Table(addresses.SelectMany(a => new[] { $"-A {Chain} -s {a} -j DROP", $"-A {Chain} -d {a} -j DROP" }).Prepend($"-F {Chain}").ToArray());

    /// <summary>
    /// Drops everything on the cluster's subnet — the other members, and clients, which come from the gateway —
    /// except the member's traffic with itself and TCP between the gateway and its command endpoint, so the
    /// operator can still ask the isolated member what it sees. Peers' probes of that endpoint come from their own
    /// addresses and stay cut, so their link watchdogs see a dead member, not a wedged link.
    /// </summary>
    public static string Isolate(string self, string gateway, int commandPort, string subnet) => Table(
        $"-F {Chain}",
        $"-A {Chain} -s {self} -d {self} -j RETURN",
        $"-A {Chain} -s {gateway} -d {self} -p tcp --dport {commandPort} -j RETURN",
        $"-A {Chain} -s {self} -d {gateway} -p tcp --sport {commandPort} -j RETURN",
        $"-A {Chain} -s {subnet} -j DROP",
        $"-A {Chain} -d {subnet} -j DROP");

    private static string Table(params string[] lines)
    {
        var text = new StringBuilder("*filter\n");
        foreach (var line in lines) text.Append(line).Append('\n');
        return text.Append("COMMIT\n").ToString();
    }
}
