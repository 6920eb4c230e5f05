using System.CommandLine;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Cli.LocalCluster;

namespace AkkaLockstep.Cli.Commands;

/// <summary>The --endpoint and --json options shared by the commands that talk to a command endpoint.</summary>
internal static class EndpointOptions
{
    public const string EndpointVariable = "LOCKSTEP_ENDPOINT";
    public const string DefaultEndpoint = "http://127.0.0.1:9110";

    public static Option<string?> Endpoint() => new("--endpoint")
    {
        Description = $"Command endpoint URL [{EndpointVariable}; default: the cluster started by `lockstep up`, else {DefaultEndpoint}]",
        HelpName = "URL",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print the endpoint's JSON answer as is" };

    /// <summary>--endpoint, else LOCKSTEP_ENDPOINT, else the endpoint recorded by `up`, else the default port 9110.</summary>
    public static CommandEndpointClient Connect(string? flag, CliContext context)
    {
        var url = flag;
        if (string.IsNullOrEmpty(url)) url = context.Environment.GetVariable(EndpointVariable);
        if (string.IsNullOrEmpty(url)) url = ClusterFile.TryLoad(context.Environment.StateDirectory)?.Endpoint;
        if (string.IsNullOrEmpty(url)) url = DefaultEndpoint;
        return new CommandEndpointClient(ParseUrl(url) ?? throw new CliException($"endpoint '{url}' is not an http:// URL"),
            unreachableHint: $". Is the cluster up (lockstep up)? Another endpoint: --endpoint or {EndpointVariable}");
    }

    /// <summary>An http(s) endpoint URL ending in '/' (paths resolve relative to it, keeping any prefix), or null.</summary>
    public static Uri? ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/")
            : null;
}
