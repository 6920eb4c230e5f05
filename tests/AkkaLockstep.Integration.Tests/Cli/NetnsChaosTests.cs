using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// `up --netns` and `chaos --faults iptables`: real cuts in the members' own network namespaces. As root with ip and
/// iptables, one cycle each of partition-hosts and isolate-primary must give a clean report, and `down` must leave
/// no namespace, link or rule behind. Anywhere else `up --netns` must refuse with the reason and create nothing.
/// </summary>
public sealed class NetnsChaosTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Real_cuts_lose_nothing_and_down_removes_every_namespace_link_and_rule()
    {
        if (NetnsPrerequisites.Problem(Environment.IsPrivilegedProcess, SystemCommand.Find) is { } problem)
        {
            var (refusedExit, refusedOut, refusedError) = await _cli.RunAsync("up", "--netns");
            Assert.Equal(1, refusedExit);
            Assert.Contains(problem, refusedError);
            Assert.DoesNotContain("starting", refusedOut);
            Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
            return;
        }

        var (upExit, upOut, upError) = await _cli.RunAsync("up", "--netns");
        var network = ClusterFile.TryLoad(_cli.StateDirectory)?.Network;
        (int Exit, string Out, string Err) down;
        try
        {
            Assert.True(upExit == 0, upError + upOut);
            Assert.NotNull(network);
            Assert.All(network.Members, m => Assert.Contains(m.Namespace, Namespaces()));
            Assert.All(ClusterFile.TryLoad(_cli.StateDirectory)!.Members, m => Assert.Equal(network.Member(m.Name).Address, m.Hostname));

            foreach (var scenario in new[] { "partition-hosts", "isolate-primary" })
            {
                var (exit, output, error) = await _cli.RunAsync("chaos", "--scenario", scenario, "--cycles", "1", "--sessions", "4",
                    "--fault-seconds", "2", "--faults", "iptables", "--json");
                Assert.True(exit == 0, error + output);
                using var json = JsonDocument.Parse(output);
                var report = json.RootElement;
                Assert.Equal("iptables (network namespaces)", report.GetProperty("fault_mode").GetString());
                ChaosReportAssert.CleanSingleCycle(report, scenario);
                // Healed: our chain is empty again in every namespace.
                Assert.All(network.Members, m => Assert.Equal($"-N {CutRules.Chain}", IptablesCuts.List(m.Namespace).Trim()));
            }

            // A real cut also cuts the link watchdog's HTTP probes, so no member took a cut peer for a wedged link.
            foreach (var member in ClusterFile.TryLoad(_cli.StateDirectory)!.Members)
                Assert.DoesNotContain("is wedged", File.ReadAllText(member.Log));
        }
        finally
        {
            down = await _cli.RunAsync("down");
        }

        Assert.True(down.Exit == 0, down.Err + down.Out);
        Assert.False(File.Exists(ClusterFile.PathIn(_cli.StateDirectory)));
        var namespaces = Namespaces();
        var links = SystemCommand.Check("ip", ["-o", "link", "show"]);
        Assert.All(network.Members, m =>
        {
            Assert.DoesNotContain(m.Namespace, namespaces);
            Assert.DoesNotContain(m.HostVeth, links);
        });
        Assert.DoesNotContain(network.Bridge, links);
    }

    private static string Namespaces() => SystemCommand.Check("ip", ["netns", "list"]);
}
