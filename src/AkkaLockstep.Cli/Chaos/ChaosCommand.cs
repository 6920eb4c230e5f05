using System.Text.Json;

namespace AkkaLockstep.Cli.Chaos;

/// <summary>Runs `lockstep chaos` and prints its report (a table, or JSON with --json).</summary>
public static class ChaosCommand
{
    private static readonly JsonSerializerOptions JsonOptions = Output.CliJson.Options;

    /// <returns>0 when every check passed and every cycle recovered.</returns>
    public static async Task<int> RunAsync(ChaosSettings settings, CliContext context, CancellationToken ct)
    {
        var report = await ChaosRunner.RunAsync(settings, context, ct);
        if (settings.Json) await context.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions));
        else await WriteAsync(report, context.Output);
        return report.Clean && report.Cycles == settings.Cycles ? 0 : 1;
    }

    private static async Task WriteAsync(ChaosReport r, TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"chaos report: {r.Scenario}, {r.Cycles} cycle(s), cuts by {r.FaultMode}");
        await output.WriteLineAsync($"  operations          {r.Sent,10:N0}   ({r.Acked:N0} answered, {r.Unknown:N0} without answer)");
        await output.WriteLineAsync($"  lost                {r.Lost,10:N0}");
        await output.WriteLineAsync($"  duplicated          {r.Duplicated,10:N0}");
        await output.WriteLineAsync($"  split-brain events  {r.SplitBrainEvents,10:N0}");
        await output.WriteLineAsync($"  linearizable        {(r.Linearizable switch { true => "yes", false => "NO", null => "unknown" }),10}   ({r.LinearizabilityKeys:N0} keys)");
        await output.WriteLineAsync($"  replicas identical  {(r.ReplicasIdentical ? "yes" : "NO"),10}");
        await output.WriteLineAsync($"  client stall        max {r.MaxStallMs:0} ms, p99 over cycles {r.P99StallMs:0} ms");
        foreach (var problem in r.Problems) await output.WriteLineAsync($"  ! {problem}");
    }
}
