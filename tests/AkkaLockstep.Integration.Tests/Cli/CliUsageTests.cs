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
    [InlineData("bench sql --clients 0", "--clients must be at least 1", "See: lockstep bench sql --help")]
    [InlineData("bench sql --peer mysql", "unknown --peer 'mysql'; the one peer is: postgres", "See: lockstep bench sql --help")]
    [InlineData("bench sql --script nested", "unknown --script 'nested'; use whole or interactive", "See: lockstep bench sql --help")]
    [InlineData("bench resync --missed 0", "--missed '0' must be positive whole numbers", "See: lockstep bench resync --help")]
    public async Task Wrong_usage_fails_with_the_error_and_a_help_hint(string commandLine, string message, string hint)
    {
        var (exit, _, error) = await _cli.RunAsync(commandLine.Split(' '));
        Assert.NotEqual(0, exit);
        Assert.Contains(message, error);
        Assert.Contains(hint, error);
    }

    [Theory]
    [InlineData("--help", "vm")]
    [InlineData("vm protect --help", "--kind <kv|sql>")]
    [InlineData("host --help", "--postgres")]
    [InlineData("host --help", "--pg-port")]
    [InlineData("gateway --help", "--listen <IP:PORT>")]
    [InlineData("up --help", "--base-port")]
    [InlineData("bench sql --help", "--peer <postgres>")]
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

    [Theory]
    [InlineData("gateway --listen 1.2.3:5432 --user a:b --cluster 127.0.0.1:9200", "--listen '1.2.3:5432': '1.2.3' is not an IP address")]
    [InlineData("gateway --listen 127.0.0.1 --user a:b --cluster 127.0.0.1:9200", "--listen '127.0.0.1' is not IP:PORT")]
    [InlineData("gateway --listen 127.0.0.1:70000 --user a:b --cluster 127.0.0.1:9200", "is not IP:PORT")]
    [InlineData("gateway --user a:b --cluster h1", "--cluster entry 'h1' is not HOST:PORT")]
    [InlineData("gateway --user a:b", "no --cluster given and no local cluster recorded")]
    [InlineData("gateway --cluster 127.0.0.1:9200", "no users: give at least one --user NAME:PASSWORD")]
    [InlineData("gateway --cluster 127.0.0.1:9200 --user secretonly", "--user: an entry has no colon")]
    [InlineData("host --name h9 --pg-user a:b --pg-user a:c", "--pg-user: user 'a' is given twice")]
    [InlineData("host --name h9 --pg-port 5999 --client-port 0 --pg-user a:b", "pgPort 5999 needs a client port")]
    public async Task Gateway_settings_are_checked_before_anything_listens(string commandLine, string expected)
    {
        var (exit, output, error) = await _cli.RunAsync(commandLine.Split(' '));
        Assert.Equal(1, exit);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("secretonly", error);
        Assert.DoesNotContain("PostgreSQL clients on", output);
    }

    [Fact]
    public async Task A_gateway_whose_port_is_taken_says_so()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var (exit, _, error) = await _cli.RunAsync("gateway", "--listen", $"127.0.0.1:{port}", "--cluster", "127.0.0.1:9200", "--user", "a:b");
        Assert.Equal(1, exit);
        Assert.Contains($"cannot listen for PostgreSQL clients on 127.0.0.1:{port}: the port is in use", error);
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
