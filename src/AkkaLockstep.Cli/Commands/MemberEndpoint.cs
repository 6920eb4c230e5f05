using AkkaLockstep.Cli.Http;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>Where to reach another member's own command endpoint, for commands that only act on a host's own replica.</summary>
internal static class MemberEndpoint
{
    public static Uri Of(string member, ClusterView cluster)
    {
        var announced = cluster.Members.FirstOrDefault(m => m.Name == member)?.CommandEndpoint
                        ?? throw new CliException("no command endpoint known for it (it is not a cluster member now)");
        // Members announce host:port; a URL is taken as it is.
        return EndpointOptions.ParseUrl(announced.Contains("://", StringComparison.Ordinal) ? announced : $"http://{announced}")
               ?? throw new CliException($"its command endpoint '{announced}' is not a valid address");
    }
}
