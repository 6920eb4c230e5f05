using System.Diagnostics;

namespace AkkaLockstep.Cli.Netns;

/// <summary>Runs the system tools behind --netns (ip, iptables-restore) and turns a failure into a readable error.</summary>
public static class SystemCommand
{
    // Root's PATH usually has these, but not every shell that runs the CLI (e.g. `su` without `-`) sets it so.
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>The full path of <paramref name="program"/> on PATH or in the system folders, or null.</summary>
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SystemDirectories)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
    }

    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <paramref name="program"/> to its end, feeding it <paramref name="input"/> on stdin when given.</summary>
    public static Result Run(string program, IEnumerable<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo(Find(program) ?? program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new CliException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Like <see cref="Run"/>, but a non-zero exit is an error naming the command and what it printed.</summary>
    public static string Check(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        var result = Run(program, arguments, input);
        if (result.ExitCode != 0)
            throw new CliException($"`{program} {string.Join(" ", arguments)}` failed (exit {result.ExitCode}): {result.Error.Trim()}");
        return result.Output;
    }
}
