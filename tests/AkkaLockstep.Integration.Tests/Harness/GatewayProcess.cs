using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AkkaLockstep.Integration.Tests.Harness;

/// <summary>
/// A standalone `lockstep gateway` child process on a port it picks itself (--listen 127.0.0.1:0), found from the
/// line it prints when it listens. Disposal kills it by its own PID.
/// </summary>
public sealed partial class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process) => _process = process;

    public int Port => _port.Task.IsCompletedSuccessfully ? _port.Task.Result : throw new InvalidOperationException("not listening");

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<GatewayProcess> StartAsync(IEnumerable<string> clusterEndpoints, string user, string password)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     RepoPaths.CliDll, "gateway", "--listen", "127.0.0.1:0", "--cluster", string.Join(",", clusterEndpoints),
                     "--user", $"{user}:{password}",
                 })
            info.ArgumentList.Add(argument);
        var gateway = new GatewayProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        gateway._process.OutputDataReceived += (_, e) => gateway.OnLine(e.Data);
        gateway._process.ErrorDataReceived += (_, e) => gateway.OnLine(e.Data);
        gateway._process.Exited += (_, _) => gateway._port.TrySetException(new InvalidOperationException($"gateway exited: {gateway.Output}"));
        gateway._process.Start();
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        await gateway._port.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return gateway;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (Listening().Match(line) is { Success: true } match) _port.TrySetResult(int.Parse(match.Groups[1].Value));
    }

    public void Dispose()
    {
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
    }

    [GeneratedRegex(@"PostgreSQL clients on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
