using System.Diagnostics;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>Starts, finds and stops the background processes of the local cluster.</summary>
public static class MemberProcess
{
    private const string SetSid = "/usr/bin/setsid";

    // sh redirects the member's output to its log and then becomes the member (exec keeps the PID).
    private const string LaunchScript = "log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1";

    /// <summary>
    /// Starts `lockstep ROLE ...` for <paramref name="member"/> in the background (inside its network namespace if it
    /// has one), in its own session so a Ctrl+C in the terminal that ran `up` does not reach it. The returned process is for watching it while `up` waits.
    /// </summary>
    public static Launched Start(MemberRecord member, string seed, string workingDirectory)
    {
        Directory.CreateDirectory(member.DataDir);
        var logOffset = File.Exists(member.Log) ? new FileInfo(member.Log).Length : 0;
        File.AppendAllText(member.Log, $"{Environment.NewLine}=== lockstep up: starting {member.Name} at {DateTimeOffset.Now:O}{Environment.NewLine}");

        var (program, programArguments) = SelfCommand();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in new[] { "-c", LaunchScript, "lockstep-" + member.Name, member.Log }) start.ArgumentList.Add(a);
        // `ip netns exec` enters the namespace and execs the rest, so the PID stays the member's.
        if (member.Namespace is { } ns)
            foreach (var a in new[] { Netns.SystemCommand.Find("ip") ?? "ip", "netns", "exec", ns }) start.ArgumentList.Add(a);
        if (File.Exists(SetSid)) start.ArgumentList.Add(SetSid);
        start.ArgumentList.Add(program);
        foreach (var a in programArguments) start.ArgumentList.Add(a);
        foreach (var a in MemberArguments(member, seed)) start.ArgumentList.Add(a);

        var process = Process.Start(start) ?? throw new CliException($"could not start {member.Name}");
        return new Launched(member with { Pid = process.Id, StartedAt = process.StartTime }, process, logOffset);
    }

    /// <summary>A member just started: its record, its process and where in its log this run's output begins.</summary>
    public sealed record Launched(MemberRecord Member, Process Process, long LogOffset);

    /// <summary>True if the member's recorded process still runs (and is not another process that got its PID).</summary>
    public static bool IsAlive(MemberRecord member)
    {
        if (member.Pid <= 0 || member.StartedAt is not { } startedAt) return false;
        try
        {
            using var process = Process.GetProcessById(member.Pid);
            return !process.HasExited && !IsZombie(member.Pid)
                   && (process.StartTime - startedAt.LocalDateTime).Duration() < TimeSpan.FromSeconds(2);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    // A killed member whose `up` has exited stays a zombie until init reaps it, which can take seconds.
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public enum StopOutcome { NotRunning, Stopped, Killed }

    /// <summary>SIGTERM, then SIGKILL if the member has not exited after <paramref name="grace"/>.</summary>
    public static async Task<StopOutcome> StopAsync(MemberRecord member, TimeSpan grace)
    {
        if (!IsAlive(member) || !PosixSignals.Terminate(member.Pid)) return StopOutcome.NotRunning;
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsAlive(member)) return StopOutcome.Stopped;
            await Task.Delay(100);
        }
        try
        {
            using var process = Process.GetProcessById(member.Pid);
            process.Kill();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return StopOutcome.Stopped;
        }
        return StopOutcome.Killed;
    }

    /// <summary>The last lines of a member's log written since <paramref name="offset"/>, for error messages.</summary>
    public static IReadOnlyList<string> Tail(string log, int lines, long offset)
    {
        if (!File.Exists(log)) return [];
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().TrimEnd().Split('\n');
        return all.TakeLast(lines).Select(l => l.TrimEnd('\r')).ToList();
    }

    private static IEnumerable<string> MemberArguments(MemberRecord m, string seed) =>
    [
        m.Role, "--name", m.Name, "--hostname", m.Hostname, "--port", m.Port.ToString(), "--seeds", seed,
        "--data", m.DataDir, "--client-port", m.ClientPort.ToString(), "--command-port", m.CommandPort.ToString(),
        .. m.Role == Host.HostOptions.HostRole ? new[] { "--pg-port", m.PgPort.ToString() } : [],
        .. m.Role == Host.HostOptions.HostRole ? m.HostFlags ?? [] : [],
    ];

    /// <summary>This CLI itself: its native launcher when there is one, else `dotnet lockstep.dll`.</summary>
    private static (string Program, string[] Arguments) SelfCommand()
    {
        var assembly = typeof(MemberProcess).Assembly.Location;
        var launcher = Path.Combine(Path.GetDirectoryName(assembly)!, OperatingSystem.IsWindows() ? "lockstep.exe" : "lockstep");
        if (File.Exists(launcher)) return (launcher, []);
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        return (dotnet, [assembly]);
    }
}
