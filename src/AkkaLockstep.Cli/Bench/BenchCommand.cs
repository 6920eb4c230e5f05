namespace AkkaLockstep.Cli.Bench;

/// <summary>Options of `lockstep bench`.</summary>
public sealed record BenchSettings(bool Json, int Seconds, int Sessions);

/// <summary>`lockstep bench`: load a protected VM from concurrent sessions and report throughput and latency.</summary>
public static class BenchCommand
{
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(BenchSettings settings, CliContext context, CancellationToken ct)
    {
        await context.Error.WriteLineAsync("bench: not implemented yet");
        return 2;
    }
}
