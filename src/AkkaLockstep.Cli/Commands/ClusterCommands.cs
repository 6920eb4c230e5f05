using System.CommandLine;
using AkkaLockstep.Cli.Output;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep cluster show`: the cluster's members as one command endpoint sees them.</summary>
internal static class ClusterCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var cluster = new Command("cluster", "Inspect the cluster.");
        var show = new Command("show", "List the cluster members with their status, roles and endpoints.");
        var endpoint = EndpointOptions.Endpoint();
        var json = EndpointOptions.Json();
        show.Options.Add(endpoint);
        show.Options.Add(json);
        show.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var reply = await client.GetAsync<ClusterView>("cluster", ct);
            if (parse.GetValue(json))
                await context.Output.WriteLineAsync(reply.Raw);
            else
                Write(reply.Value, context.Output);
            return 0;
        });
        cluster.Subcommands.Add(show);
        return cluster;
    }

    private static void Write(ClusterView view, TextWriter output)
    {
        output.WriteLine($"self:   {view.Self}");
        output.WriteLine($"leader: {view.Leader ?? "(none)"}");
        output.WriteLine();
        var table = new Table("NAME", "ROLES", "STATUS", "REACHABLE", "ADDRESS", "CLIENT", "COMMAND");
        foreach (var m in view.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
            table.Add(m.Name, string.Join(",", m.Roles), m.Status, m.Reachable ? "yes" : "NO", m.Address,
                m.ClientEndpoint ?? "-", m.CommandEndpoint ?? "-");
        table.WriteTo(output);
    }
}
