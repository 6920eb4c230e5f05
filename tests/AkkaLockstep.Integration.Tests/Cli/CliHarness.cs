using AkkaLockstep.Cli.LocalCluster;
using System.CommandLine;
using AkkaLockstep.Cli;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>Runs the CLI in-process with its own environment variables, state folder and captured output.</summary>
public sealed class CliHarness : IDisposable
{
    public string StateDirectory { get; } = Path.Combine(Directory.CreateTempSubdirectory("lockstep-cli-").FullName, ".lockstep");
    public Dictionary<string, string> Environment { get; } = [];

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var invocation = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var environment = new CliEnvironment(v => Environment.GetValueOrDefault(v), StateDirectory);
        var exit = await CliApp.RunAsync(args, environment, invocation);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A base port whose whole scheme (remoting, command, client and PostgreSQL ports) is free right now.</summary>
    public int FreeBasePort() => PortScheme.FindFreeBase(StateDirectory);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(StateDirectory)!, recursive: true);
}
