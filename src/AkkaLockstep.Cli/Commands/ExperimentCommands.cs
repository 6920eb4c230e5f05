using System.CommandLine;
using AkkaLockstep.Cli.Bench;
using AkkaLockstep.Cli.Demo;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep demo` and `lockstep bench`: the command-line side; the work is in Demo/ and Bench/.</summary>
internal static class ExperimentCommands
{
    public static Command CreateDemo(CliEnvironment environment)
    {
        var command = new Command("demo", "Show a protected VM surviving the loss of a host.");
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var seconds = Seconds(defaultValue: 20);
        command.Options.Add(json);
        command.Options.Add(seconds);
        command.SetHandler(environment, (parse, context, ct) =>
            DemoCommand.RunAsync(new DemoSettings(parse.GetValue(json), parse.GetValue(seconds)), context, ct));
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
        return command;
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
