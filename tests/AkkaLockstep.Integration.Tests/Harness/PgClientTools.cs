using System.Diagnostics;

namespace AkkaLockstep.Integration.Tests.Harness;

/// <summary>psql and pgbench (Debian's postgresql-client) against a gateway, killed if they outlive their timeout.</summary>
public static class PgClientTools
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static void AssertInstalled(string program) =>
        Assert.True(File.Exists(Path.Combine("/usr/bin", program)), $"{program} is not installed (apt-get install postgresql-client)");

    public static async Task<Outcome> RunAsync(string program, int port, string user, string password, IEnumerable<string> arguments,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(), "-U", user }.Concat(arguments))
            start.ArgumentList.Add(argument);
        start.Environment["PGPASSWORD"] = password;
        start.Environment["PGCONNECT_TIMEOUT"] = "20";
        start.Environment.Remove("PGSERVICE");
        start.Environment.Remove("PGSSLMODE");

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{program} did not finish within {limit.TotalSeconds:0} s: {await stderr}");
        }
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
