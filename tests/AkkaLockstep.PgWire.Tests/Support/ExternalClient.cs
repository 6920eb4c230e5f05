using System.Diagnostics;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>
/// Runs psql or pgbench against a server on a loopback port, killing the process tree if it outlives its timeout.
/// Shared with the gateway tests (linked into that project).
/// </summary>
internal static class ExternalClient
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static async Task<Outcome> RunAsync(string program, int port, string user, string password, IEnumerable<string> arguments)
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
        start.Environment["PGCONNECT_TIMEOUT"] = "10";
        start.Environment["PGAPPNAME"] = "pgwire-tests";
        start.Environment.Remove("PGSERVICE");
        start.Environment.Remove("PGSSLMODE");

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{program} did not finish within 60 s: {await stderr}");
        }

        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    public static bool Installed(string program) => File.Exists(Path.Combine("/usr/bin", program));
}
