namespace AkkaLockstep.Cli.Demo;

/// <summary>Options of `lockstep demo`.</summary>
public sealed record DemoSettings(bool Json, int Seconds);

/// <summary>`lockstep demo`: a scripted failover demonstration against the local cluster.</summary>
public static class DemoCommand
{
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(DemoSettings settings, CliContext context, CancellationToken ct)
    {
        await context.Error.WriteLineAsync("demo: not implemented yet");
        return 2;
    }
}
