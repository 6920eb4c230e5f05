namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>Parsing, usage errors and the commands that need no cluster.</summary>
public sealed class CliUsageTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("vm list --bogus", "Unrecognized command or argument '--bogus'", "See: lockstep vm list --help")]
    [InlineData("vm lst", "Unrecognized command or argument 'lst'", "See: lockstep vm --help")]
    [InlineData("nonsense", "Unrecognized command or argument 'nonsense'", "See: lockstep --help")]
    [InlineData("vm", "Required command was not provided", "See: lockstep vm --help")]
    [InlineData("up --timeout 0", "--timeout must be at least 1 second", "See: lockstep up --help")]
    [InlineData("host --port twelve", "twelve", "See: lockstep host --help")]
    [InlineData("bench --sessions 0", "--sessions must be at least 1", "See: lockstep bench --help")]
    public async Task Wrong_usage_fails_with_the_error_and_a_help_hint(string commandLine, string message, string hint)
    {
        var (exit, _, error) = await _cli.RunAsync(commandLine.Split(' '));
        Assert.NotEqual(0, exit);
        Assert.Contains(message, error);
        Assert.Contains(hint, error);
    }

    [Theory]
    [InlineData("--help", "vm")]
    [InlineData("vm protect --help", "--kind <kv>")]
    [InlineData("host --help", "--postgres")]
    [InlineData("up --help", "--base-port")]
    [InlineData("vm force-simplex --help", "--yes")]
    public async Task Help_is_available_everywhere(string commandLine, string expected)
    {
        var (exit, output, _) = await _cli.RunAsync(commandLine.Split(' '));
        Assert.Equal(0, exit);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Host_settings_are_validated_before_the_member_starts()
    {
        _cli.Environment["LOCKSTEP_COMMAND_PORT"] = "abc";
        var (exit, _, error) = await _cli.RunAsync("host", "--name", "h 1", "--port", "70000", "--seeds", "localhost:4053");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: invalid settings:", error);
        Assert.Contains("LOCKSTEP_COMMAND_PORT='abc' is not a port number", error);
        Assert.Contains("name 'h 1' must be", error);
        Assert.Contains("port 70000 is out of range 1-65535", error);
        Assert.Contains("seed 'localhost:4053' is not an address", error);
    }

    [Fact]
    public async Task Witness_flags_override_the_environment()
    {
        _cli.Environment["LOCKSTEP_CLIENT_PORT"] = "9200";
        var (exit, _, error) = await _cli.RunAsync("witness", "--client-port", "9300", "--config", "/nonexistent/witness.json");
        Assert.Equal(1, exit);
        Assert.Contains("config file '/nonexistent/witness.json' does not exist", error);
        Assert.Contains("clientPort 9300: a witness has no client endpoint", error);
    }
}
