using System.Diagnostics;

namespace AkkaLockstep.Integration.Tests.Harness;

/// <summary>One `lockstep host` or `lockstep witness` child process, its ports, data folder and log.</summary>
public sealed class MemberProcess(string name, string role, int port, int clientPort, int commandPort, string dataDir, string logFile,
    IReadOnlyList<string> seeds, string? postgres)
{
    private Process? _process;

    public string Name { get; } = name;
    public string Role { get; } = role;
    public int Port { get; } = port;
    public int ClientPort { get; } = clientPort;
    public int CommandPort { get; } = commandPort;
    public string DataDir { get; } = dataDir;
    public string LogFile { get; } = logFile;
    public string ClientEndpoint => $"127.0.0.1:{ClientPort}";
    public Uri CommandUri => new($"http://127.0.0.1:{CommandPort}/");
    public bool Running => _process is { HasExited: false };
    public int? Pid => _process?.Id;

    /// <summary>More flags for the member's command line, e.g. --snapshot-every.</summary>
    public List<string> ExtraArgs { get; } = [];

    public void Start()
    {
        if (Running) throw new InvalidOperationException($"{Name} is already running");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     RepoPaths.CliDll, Role, "--name", Name, "--port", Port.ToString(), "--seeds", string.Join(",", seeds),
                     "--data", DataDir, "--client-port", ClientPort.ToString(), "--command-port", CommandPort.ToString(),
                 })
            info.ArgumentList.Add(arg);
        if (Role == "host")
        {
            // No PostgreSQL gateway: config/host.json's port would be the same for every host of every test.
            info.ArgumentList.Add("--pg-port");
            info.ArgumentList.Add("0");
        }
        foreach (var arg in ExtraArgs) info.ArgumentList.Add(arg);
        if (postgres is not null)
        {
            info.ArgumentList.Add("--postgres");
            info.ArgumentList.Add(postgres);
        }
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        log.WriteLine($"---- start {DateTime.UtcNow:O}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (log) log.WriteLine($"---- exited {DateTime.UtcNow:O}"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no shutdown, no flush: what a crash or power cut to the process looks like.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _process = null;
    }

    public string LogTail(int lines = 40)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogFile).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
