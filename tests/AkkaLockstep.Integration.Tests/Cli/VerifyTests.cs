using System.Text.Json;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>`lockstep vm verify` against real processes: both replicas digest the same input, the secondary confirms it.</summary>
public sealed class VerifyTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Verify_reports_identical_replicas_and_refuses_an_unknown_vm()
    {
        var (upExit, _, upError) = await _cli.RunAsync("up", "--base-port", _cli.FreeBasePort().ToString());
        Assert.True(upExit == 0, upError);
        try
        {
            var (protectExit, _, protectError) = await _cli.RunAsync("vm", "protect", "ver", "--kind", "kv");
            Assert.True(protectExit == 0, protectError);
            await WaitForDuplexAsync("ver");
            var (exit, output, error) = await _cli.RunAsync("vm", "verify", "ver", "--json");
            Assert.True(exit == 0, error + output);
            using var json = JsonDocument.Parse(output);
            var report = json.RootElement;
            Assert.Equal("identical", report.GetProperty("verdict").GetString());
            Assert.True(report.GetProperty("index").GetInt64() > 0);
            Assert.True(report.GetProperty("secondary_verified_index").GetInt64() >= report.GetProperty("index").GetInt64());
            Assert.Equal(64, report.GetProperty("digest").GetString()!.Length);

            var (unknownExit, _, unknownError) = await _cli.RunAsync("vm", "verify", "nosuch");
            Assert.NotEqual(0, unknownExit);
            Assert.Contains("nosuch", unknownError);
        }
        finally
        {
            await _cli.RunAsync("down");
        }
    }

    private async Task WaitForDuplexAsync(string vm)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var (exit, output, _) = await _cli.RunAsync("vm", "show", vm, "--json");
            if (exit == 0 && JsonDocument.Parse(output).RootElement.GetProperty("state").GetString() == "duplex") return;
            await Task.Delay(500);
        }
        Assert.Fail($"{vm} did not become duplex within 60 s");
    }

    public void Dispose() => _cli.Dispose();
}
