using System.Diagnostics;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>Runs an external tool (pgbench, psql, initdb, ...) to its end; one that outlives its time or the bench is killed by PID.</summary>
public static class ToolProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // A PGSERVICE, PGSSLMODE or PGOPTIONS of the caller's shell must not change what the bench connects to.
        foreach (var name in new[] { "PGSERVICE", "PGSSLMODE", "PGOPTIONS", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGHOST", "PGPORT" })
            start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new CliException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            throw new CliException($"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s: {(await stderr).Trim()}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit is an error naming the tool and what it printed.</summary>
    public static async Task<string> CheckAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(program, arguments, timeout, ct, environment);
        if (result.ExitCode != 0)
            throw new CliException($"`{Path.GetFileName(program)} {string.Join(" ", arguments)}` failed (exit {result.ExitCode}): " +
                                   $"{(result.Stderr + result.Stdout).Trim()}");
        return result.Stdout;
    }
}
