using System.CommandLine;
using AkkaLockstep.Host;
using AkkaLockstep.Host.Configuration;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep host` and `lockstep witness`: run one cluster member in the foreground until SIGINT/SIGTERM.</summary>
internal static class HostCommands
{
    public static Command Create(string role, CliEnvironment environment)
    {
        var description = role == HostOptions.HostRole
            ? "Run a host: a cluster member that holds VM replicas."
            : "Run the witness: the cluster member that arbitrates failover and holds no replicas.";
        var command = new Command(role, description);

        var config = new Option<string?>("--config") { Description = $"Config file (default: config/{role}.json in the current directory, else next to the binary)", HelpName = "FILE" };
        var name = new Option<string?>("--name") { Description = "Unique member name, e.g. h1 [LOCKSTEP_NAME]" };
        var hostname = new Option<string?>("--hostname") { Description = "Address to bind and advertise [LOCKSTEP_HOSTNAME]" };
        var port = new Option<int?>("--port") { Description = "Akka remoting port [LOCKSTEP_PORT]" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seed addresses, akka.tcp://lockstep@HOST:PORT [LOCKSTEP_SEEDS]" };
        var data = new Option<string?>("--data") { Description = "Data folder; {name} is replaced by the member name [LOCKSTEP_DATA_DIR]", HelpName = "DIR" };
        var clientPort = new Option<int?>("--client-port") { Description = "Client endpoint TCP port, 0 = none [LOCKSTEP_CLIENT_PORT]" };
        var commandPort = new Option<int?>("--command-port") { Description = "Command endpoint HTTP port, 0 = none [LOCKSTEP_COMMAND_PORT]" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string for the journal instead of SQLite [LOCKSTEP_POSTGRES]" };
        foreach (var option in new Option[] { config, name, hostname, port, seeds, data, clientPort, commandPort, postgres })
            command.Options.Add(option);

        command.SetHandler(environment, async (parse, context, ct) =>
        {
            var flags = new HostOptionsLayer
            {
                Name = parse.GetValue(name),
                Hostname = parse.GetValue(hostname),
                Port = parse.GetValue(port),
                Seeds = parse.GetValue(seeds) is { } s ? HostOptionsLayer.SplitSeeds(s) : null,
                DataDir = parse.GetValue(data),
                ClientPort = parse.GetValue(clientPort),
                CommandPort = parse.GetValue(commandPort),
                Postgres = parse.GetValue(postgres),
            };
            var loaded = HostOptionsLoader.Load(role, parse.GetValue(config), flags, context.Environment.GetVariable);
            await context.Output.WriteLineAsync(Describe(loaded));
            try
            {
                await HostRunner.RunAsync(loaded.Options, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // SIGINT/SIGTERM: a normal way for a member to stop.
            }
            return 0;
        });
        return command;
    }

    private static string Describe(LoadedHostOptions loaded)
    {
        var o = loaded.Options;
        var endpoints = $"remoting {o.Hostname}:{o.Port}, command {Port(o.CommandPort)}, client {Port(o.ClientPort)}";
        var journal = o.PostgresConnectionString is null ? "SQLite" : "PostgreSQL";
        return $"lockstep {o.Role} {o.Name}: {endpoints}; seeds {string.Join(",", o.Seeds)}; data {o.DataDir} ({journal} journal); " +
               $"config {loaded.ConfigFile ?? "(none, built-in defaults)"}";
    }

    private static string Port(int port) => port == 0 ? "none" : port.ToString();
}
