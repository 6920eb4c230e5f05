using System.CommandLine;
using System.Globalization;
using System.Net;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Gateway;
using AkkaLockstep.Host.Configuration;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Cli.Commands;

/// <summary>
/// `lockstep gateway`: a standalone PostgreSQL protocol gateway (e.g. a sidecar next to an application) in the
/// foreground until SIGINT/SIGTERM. It reaches the cluster through the client endpoints of several hosts, so its
/// connections survive the loss of any one host.
/// </summary>
internal static class GatewayCommand
{
    public const string DefaultListen = "127.0.0.1:5432";

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("gateway", "Run a standalone PostgreSQL protocol gateway to the cluster's sql VMs (database name = VM name).");
        var listen = new Option<string>("--listen")
        {
            Description = "Address and port for PostgreSQL clients; port 0 picks a free one",
            HelpName = "IP:PORT",
            DefaultValueFactory = _ => DefaultListen,
        };
        var cluster = new Option<string?>("--cluster")
        {
            Description = "Client endpoints of cluster hosts, comma-separated (default: those of the cluster started by `lockstep up`)",
            HelpName = "HOST:PORT[,HOST:PORT...]",
        };
        var users = new Option<string[]>("--user")
        {
            Description = $"A user clients log in as (SCRAM-SHA-256); repeat for more [{EnvironmentLayer.PgUsers}=A:PW,B:PW]",
            HelpName = "NAME:PASSWORD",
        };
        command.Options.Add(listen);
        command.Options.Add(cluster);
        command.Options.Add(users);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            var options = new LockstepGatewayOptions
            {
                Listen = ParseListen(parse.GetValue(listen)!),
                ClusterEndpoints = ClusterEndpoints(parse.GetValue(cluster), context),
                Users = Users(parse.GetValue(users), context),
            };
            LockstepGateway gateway;
            try
            {
                gateway = LockstepGateway.Start(options);
            }
            catch (GatewayStartException e)
            {
                throw new CliException(e.Message);
            }
            await using (gateway)
            {
                await context.Output.WriteLineAsync(
                    $"lockstep gateway: PostgreSQL clients on {gateway.LocalEndPoint}; cluster {string.Join(", ", options.ClusterEndpoints)}; " +
                    $"users {string.Join(", ", options.Users.Select(u => u.Name))}");
                await context.Output.FlushAsync(CancellationToken.None);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // SIGINT/SIGTERM: the way a gateway stops. Disposal ends the connections and closes their sessions.
                }
            }
            await context.Output.WriteLineAsync("lockstep gateway stopped");
            return 0;
        });
        return command;
    }

    /// <summary>IP:PORT (IPv6 in brackets) or localhost:PORT; the port is required, 0 allowed.</summary>
    internal static IPEndPoint ParseListen(string value)
    {
        var colon = value.LastIndexOf(':');
        var host = colon > 0 ? value[..colon].Trim('[', ']') : "";
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new CliException($"--listen '{value}' is not IP:PORT, e.g. {DefaultListen} (port 0-65535)");
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        // IPAddress.TryParse also takes shorthands such as "1.2.3" (1.2.0.3); an IPv4 address must have four parts.
        if (!IPAddress.TryParse(host, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && host.Count(c => c == '.') != 3))
            throw new CliException($"--listen '{value}': '{host}' is not an IP address; use e.g. 127.0.0.1, or 0.0.0.0 for every interface");
        return new IPEndPoint(address, port);
    }

    private static IReadOnlyList<string> ClusterEndpoints(string? flag, CliContext context)
    {
        if (string.IsNullOrWhiteSpace(flag))
        {
            var local = ClusterFile.TryLoad(context.Environment.StateDirectory)?.Members
                .Where(m => m.ClientPort > 0).Select(m => $"{m.Hostname}:{m.ClientPort}").ToList();
            return local is { Count: > 0 }
                ? local
                : throw new CliException("no --cluster given and no local cluster recorded (lockstep up): " +
                                         "name the hosts' client endpoints, e.g. --cluster 127.0.0.1:9200,127.0.0.1:9201");
        }
        var endpoints = flag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var endpoint in endpoints)
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw new CliException($"--cluster entry '{endpoint}' is not HOST:PORT (a host's client endpoint, e.g. 127.0.0.1:9200)");
        }
        return endpoints.Length > 0 ? endpoints : throw new CliException("--cluster names no endpoint");
    }

    private static IReadOnlyList<PgUser> Users(string[]? flags, CliContext context)
    {
        var errors = new List<string>();
        Dictionary<string, string> users;
        if (flags is { Length: > 0 })
            users = PgUserEntries.Parse(flags, "--user", errors);
        else if (context.Environment.GetVariable(EnvironmentLayer.PgUsers) is { Length: > 0 } variable)
            users = PgUserEntries.Parse(variable.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), EnvironmentLayer.PgUsers, errors);
        else
            throw new CliException($"no users: give at least one --user NAME:PASSWORD (or set {EnvironmentLayer.PgUsers}=NAME:PASSWORD,...)");
        if (errors.Count > 0) throw new CliException(string.Join("; ", errors));
        return users.Select(u => new PgUser(u.Key, u.Value)).ToList();
    }
}
