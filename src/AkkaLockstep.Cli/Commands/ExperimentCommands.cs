using System.CommandLine;
using AkkaLockstep.Cli.Bench;
using AkkaLockstep.Cli.Bench.Sql;
using AkkaLockstep.Cli.Chaos;
using AkkaLockstep.Cli.Demo;
using AkkaLockstep.Cli.Faults;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep demo` and `lockstep bench`: the command-line side; the work is in Demo/ and Bench/.</summary>
internal static class ExperimentCommands
{
    /// <summary>The gateway takes 256 connections; more sessions than this only wait on each other's transactions.</summary>
    private const int MaxDemoSessions = 200;

    public static Command CreateDemo(CliEnvironment environment)
    {
        var command = new Command("demo",
            "The broker-database experiment: PostgreSQL clients log users on and off a virtual-desktop broker whose database is a " +
            "protected sql VM, through a SIGKILL of the host with the primary, its return, and a cut between the hosts; then " +
            "the broker data of both replicas is checked against what the clients were told.");
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var seconds = Seconds(defaultValue: 10);
        seconds.Description = "Seconds of steady load before the failure phases";
        var noFaults = new Option<bool>("--no-faults") { Description = "Only the steady phase: no host is killed or cut" };
        var sessions = Positive("--sessions", $"Concurrent client sessions (PostgreSQL connections), at most {MaxDemoSessions}", 16);
        sessions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() > MaxDemoSessions) r.AddError($"--sessions must be at most {MaxDemoSessions}");
        });
        command.Options.Add(json);
        command.Options.Add(seconds);
        command.Options.Add(noFaults);
        command.Options.Add(sessions);
        command.SetHandler(environment, (parse, context, ct) => DemoCommand.RunAsync(
            new DemoSettings(parse.GetValue(json), parse.GetValue(seconds), !parse.GetValue(noFaults), parse.GetValue(sessions)), context, ct));
        return command;
    }

    public static Command CreateBench(CliEnvironment environment)
    {
        var command = new Command("bench", "Measure throughput and latency of a protected VM.");
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var seconds = Seconds(defaultValue: 10);
        var sessions = new Option<int>("--sessions")
        {
            Description = "Concurrent client sessions",
            DefaultValueFactory = _ => 64,
        };
        sessions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--sessions must be at least 1");
        });
        command.Options.Add(json);
        command.Options.Add(seconds);
        command.Options.Add(sessions);
        command.SetHandler(environment, (parse, context, ct) => BenchCommand.RunAsync(
            new BenchSettings(parse.GetValue(json), parse.GetValue(seconds), parse.GetValue(sessions)), context, ct));
        command.Subcommands.Add(CreateResyncBench(environment));
        command.Subcommands.Add(CreateBenchSql(environment));
        return command;
    }

    private static Command CreateBenchSql(CliEnvironment environment)
    {
        var command = new Command("sql",
            "pgbench with a fixed TPC-B-like script against an unprotected and a duplex sql VM through a PostgreSQL gateway " +
            "(and with --peer postgres against PostgreSQL 15 with a synchronous standby): tps, p50/p99 latency and ratios.");
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var seconds = Seconds(defaultValue: 20);
        seconds.Description = "Seconds of pgbench per target (after a 2 s warm-up)";
        var clients = Positive("--clients", "pgbench clients (connections), the same for every target", 4);
        var peer = new Option<string?>("--peer")
        {
            Description = "Also measure PostgreSQL: two servers on loopback with synchronous streaming replication, started and " +
                          "removed by the bench (needs the PostgreSQL server programs)",
            HelpName = "postgres",
        };
        peer.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && text != "postgres") r.AddError($"unknown --peer '{text}'; the one peer is: postgres");
        });
        var script = new Option<string>("--script")
        {
            Description = "The transaction's shape: 'whole' sends it as one compound statement (one round trip), 'interactive' " +
                          "sends each statement and waits for its answer",
            DefaultValueFactory = _ => SqlBenchWorkload.Whole,
        };
        script.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is not (SqlBenchWorkload.Whole or SqlBenchWorkload.Interactive) and var text)
                r.AddError($"unknown --script '{text}'; use {SqlBenchWorkload.Whole} or {SqlBenchWorkload.Interactive}");
        });
        foreach (var option in new Option[] { json, seconds, clients, peer, script }) command.Options.Add(option);
        command.SetHandler(environment, (parse, context, ct) => SqlBenchCommand.RunAsync(
            new SqlBenchSettings(parse.GetValue(json), parse.GetValue(seconds), parse.GetValue(clients), parse.GetValue(peer) is not null,
                parse.GetValue(script)!), context, ct));
        return command;
    }

    private static Command CreateResyncBench(CliEnvironment environment)
    {
        var command = new Command("resync", "Time a returning replica's way back to duplex after N missed writes, and the full copy of a large state. " +
                                            "Runs its own clusters in temporary folders.");
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var missed = new Option<string>("--missed")
        {
            Description = "Comma-separated numbers of writes the secondary misses, one run each",
            DefaultValueFactory = _ => "10000,100000,1000000",
        };
        missed.Validators.Add(r =>
        {
            if (ParseCounts(r.GetValueOrDefault<string>()) is null)
                r.AddError($"--missed '{r.GetValueOrDefault<string>()}' must be positive whole numbers separated by commas, e.g. 10000,100000");
        });
        var fullCopy = new Option<int>("--full-copy-mb")
        {
            Description = "State size in MiB for the full-copy run; 0 skips it",
            DefaultValueFactory = _ => 1024,
        };
        fullCopy.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 1536) r.AddError("--full-copy-mb must be between 0 and 1536 (a state travels as one array, under 2 GB)");
        });
        var sessions = Positive("--sessions", "Concurrent client sessions writing", 64);
        var keep = new Option<bool>("--keep") { Description = "Keep each cluster's temporary folder (its members' logs) and print where it is" };
        foreach (var option in new Option[] { json, missed, fullCopy, sessions, keep }) command.Options.Add(option);
        command.SetHandler(environment, (parse, context, ct) => ResyncBench.RunAsync(
            new ResyncSettings(parse.GetValue(json), ParseCounts(parse.GetValue(missed))!, parse.GetValue(fullCopy), parse.GetValue(sessions),
                parse.GetValue(keep)),
            context, ct));
        return command;
    }

    private static IReadOnlyList<int>? ParseCounts(string? value)
    {
        var parts = (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var counts = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                return null;
            counts.Add(n);
        }
        return counts.Count == 0 ? null : counts;
    }

    public static Command CreateChaos(CliEnvironment environment)
    {
        var command = new Command("chaos", "Kill, cut and pause members of the local cluster under a recorded client load, then check the history.");
        var scenario = new Option<string>("--scenario")
        {
            Description = $"Fault to inject each cycle: {string.Join(", ", ChaosScenarios.Names)}",
            Required = true,
        };
        scenario.Validators.Add(r =>
        {
            if (!ChaosScenarios.TryParse(r.GetValueOrDefault<string>() ?? "", out _))
                r.AddError($"unknown scenario '{r.GetValueOrDefault<string>()}'; one of: {string.Join(", ", ChaosScenarios.Names)}");
        });
        var cycles = Positive("--cycles", "Fault cycles to run", 1);
        var sessions = Positive("--sessions", "Concurrent client sessions", 8);
        var seed = new Option<int>("--seed") { Description = "Seed for the load and for the scenario mix of 'all'", DefaultValueFactory = _ => 1 };
        var hold = new Option<double>("--fault-seconds") { Description = "How long each fault lasts", DefaultValueFactory = _ => 3 };
        hold.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0.5 or > 60) r.AddError("--fault-seconds must be between 0.5 and 60");
        });
        var faults = new Option<string?>("--faults")
        {
            Description = "How partition-hosts and isolate-primary cut: iptables (in the namespaces of a cluster started with " +
                          "`up --netns`; root) or app (each host's fault switch). Default: iptables on a --netns cluster, else app",
            HelpName = "iptables|app",
        };
        faults.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !FaultModes.TryParse(text, out _))
                r.AddError($"unknown --faults '{text}'; one of: {string.Join(", ", FaultModes.Names)}");
        });
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        foreach (var option in new Option[] { scenario, cycles, sessions, seed, hold, faults, json }) command.Options.Add(option);
        command.SetHandler(environment, (parse, context, ct) =>
        {
            ChaosScenarios.TryParse(parse.GetValue(scenario)!, out var chosen);
            FaultMode? mode = FaultModes.TryParse(parse.GetValue(faults) ?? "", out var m) ? m : null;
            return ChaosCommand.RunAsync(new ChaosSettings(chosen, parse.GetValue(cycles), parse.GetValue(json), parse.GetValue(sessions),
                parse.GetValue(seed), parse.GetValue(hold), mode), context, ct);
        });
        return command;
    }

    private static Option<int> Positive(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"{name} must be at least 1");
        });
        return option;
    }

    private static Option<int> Seconds(int defaultValue)
    {
        var option = new Option<int>("--seconds")
        {
            Description = "How long to run",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--seconds must be at least 1");
        });
        return option;
    }
}
