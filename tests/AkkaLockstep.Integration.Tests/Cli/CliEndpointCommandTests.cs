using System.Net;
using System.Text.Json;
using AkkaLockstep.Cli.LocalCluster;
using AkkaLockstep.Host.CommandEndpoint;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>The commands that talk to a command endpoint, against a real endpoint server with a fake API behind it.</summary>
public sealed class CliEndpointCommandTests : IAsyncLifetime
{
    private readonly CliHarness _cli = new();
    private readonly FakeCommandApi _api = new();
    private CommandEndpointServer _server = null!;
    private string _endpoint = "";

    public async Task InitializeAsync()
    {
        _server = new CommandEndpointServer(_api, IPAddress.Loopback, 0);
        await _server.StartAsync();
        _endpoint = _server.BaseAddress.ToString();
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        _cli.Dispose();
    }

    [Fact]
    public async Task Vm_list_prints_an_aligned_table()
    {
        var (exit, output, error) = await _cli.RunAsync("vm", "list", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Empty(error);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(["NAME    KIND  STATE   PRIMARY  EPOCH  HOSTS", "orders  kv    duplex  h1       3      h1,h2"], lines);
    }

    [Fact]
    public async Task Json_flag_prints_the_endpoints_answer_unchanged()
    {
        using var http = new HttpClient();
        var expected = await http.GetStringAsync(_endpoint + "vms");
        var (exit, output, _) = await _cli.RunAsync("vm", "list", "--json", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Equal(expected, output.TrimEnd());
        Assert.Equal("orders", JsonDocument.Parse(output).RootElement[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Vm_show_prints_the_vm_and_its_replicas()
    {
        var (exit, output, _) = await _cli.RunAsync("vm", "show", "orders", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Contains("primary: h1", output);
        Assert.Contains("hosts:   h1, h2", output);
        Assert.Contains("HOST  ROLE       STATE   EPOCH  LAST  COMMIT  APPLIED  HASH          DIGEST", output);
        Assert.Contains("h2    secondary  duplex  3      42    41      40       abcdef012345  998877665544", output);
    }

    [Fact]
    public async Task Unknown_vm_is_an_error_with_the_endpoints_message()
    {
        var (exit, output, error) = await _cli.RunAsync("vm", "show", "nope", "--endpoint", _endpoint);
        Assert.NotEqual(0, exit);
        Assert.Empty(output);
        Assert.Equal("error: no VM named 'nope'", error.Trim());

        (exit, _, error) = await _cli.RunAsync("vm", "unprotect", "nope", "--endpoint", _endpoint);
        Assert.NotEqual(0, exit);
        Assert.Contains("no VM named 'nope'", error);
    }

    [Fact]
    public async Task Cluster_show_lists_members_and_flags_unreachable_ones()
    {
        var (exit, output, _) = await _cli.RunAsync("cluster", "show", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Contains("leader: akka.tcp://lockstep@127.0.0.1:4053", output);
        var h2 = output.Split('\n').Single(l => l.StartsWith("h2 "));
        Assert.Contains(" NO ", h2);
        Assert.Contains("127.0.0.1:9201", h2);
    }

    [Fact]
    public async Task Protect_sends_name_kind_and_hosts()
    {
        var (exit, output, _) = await _cli.RunAsync("vm", "protect", "carts", "--kind", "kv", "--hosts", "h2, h1", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Equal("protected carts (kv) on h2, h1: syncing, primary h1, epoch 1", output.Trim());
        var request = Assert.Single(_api.Protected);
        Assert.Equal(("carts", "kv"), (request.Name, request.Kind));
        Assert.Equal(["h2", "h1"], request.Hosts!);
    }

    [Fact]
    public async Task Protect_without_hosts_lets_the_cluster_choose()
    {
        var (exit, _, _) = await _cli.RunAsync("vm", "protect", "carts", "--kind", "kv", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Null(Assert.Single(_api.Protected).Hosts);
    }

    [Theory]
    [InlineData("--kind", "bogus", "--kind 'bogus' is not a known VM kind; known kinds: kv")]
    [InlineData("--kind", "kv", "--hosts", "h1", "--hosts 'h1' must name two different hosts")]
    [InlineData("--kind", "kv", "--hosts", "h1,h1", "must name two different hosts")]
    [InlineData("--hosts", "h1,h2", "Option '--kind' is required")]
    public async Task Protect_rejects_bad_flags_before_calling_the_endpoint(params string[] flagsThenMessage)
    {
        var flags = flagsThenMessage[..^1];
        var (exit, _, error) = await _cli.RunAsync(["vm", "protect", "carts", .. flags, "--endpoint", _endpoint]);
        Assert.NotEqual(0, exit);
        Assert.Contains(flagsThenMessage[^1], error);
        Assert.Contains("See: lockstep vm protect --help", error);
        Assert.Empty(_api.Protected);
    }

    [Fact]
    public async Task Unprotect_deletes_the_vm()
    {
        var (exit, output, _) = await _cli.RunAsync("vm", "unprotect", "orders", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Equal("unprotected orders", output.Trim());
        Assert.Equal(["orders"], _api.Unprotected);
    }

    [Fact]
    public async Task Force_simplex_without_yes_explains_the_risk_and_changes_nothing()
    {
        var (exit, output, error) = await _cli.RunAsync("vm", "force-simplex", "orders", "--endpoint", _endpoint);
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith("error: force-simplex needs --yes.", error);
        Assert.Contains("If the other replica is still serving", error);
        Assert.Contains("the VM splits into two copies", error);
        Assert.Contains("lockstep vm force-simplex orders --yes", error);
        Assert.Empty(_api.Forced);
    }

    [Fact]
    public async Task Force_simplex_forces_the_replica_of_the_host_it_reaches_first()
    {
        var (exit, output, error) = await _cli.RunAsync("vm", "force-simplex", "orders", "--yes", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.StartsWith("forced orders on h1: it serves alone as primary in epoch 4 (forced-simplex).", output);
        Assert.Equal(["orders"], _api.Forced);

        (exit, output, _) = await _cli.RunAsync("vm", "force-simplex", "orders", "--yes", "--json", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Equal(4, JsonDocument.Parse(output).RootElement.GetProperty("epoch").GetInt64());
    }

    [Fact]
    public async Task Force_simplex_reports_every_hosts_refusal_when_none_accepts()
    {
        _api.ForceRefusal = "this replica is duplex primary in epoch 3; nothing to force";
        _api.H2CommandEndpoint = $"127.0.0.1:{UnusedPort()}";
        var (exit, output, error) = await _cli.RunAsync("vm", "force-simplex", "orders", "--yes", "--endpoint", _endpoint);
        Assert.Equal(1, exit);
        Assert.Empty(output);
        var lines = error.TrimEnd().Split('\n');
        Assert.Equal("error: no replica of orders was forced:", lines[0]);
        Assert.Equal("  h1: this replica is duplex primary in epoch 3; nothing to force", lines[1]);
        Assert.StartsWith($"  h2: cannot reach the command endpoint http://{_api.H2CommandEndpoint}/", lines[2]);
        Assert.Empty(_api.Forced);
    }

    [Fact]
    public async Task Force_simplex_host_flag_picks_the_hosts_own_endpoint()
    {
        // h2 announces host:port, as real members do; here it is the same fake endpoint.
        _api.H2CommandEndpoint = $"127.0.0.1:{_server.Port}";
        var (exit, _, _) = await _cli.RunAsync("vm", "force-simplex", "orders", "--yes", "--host", "h2", "--endpoint", _endpoint);
        Assert.Equal(0, exit);
        Assert.Equal(["orders"], _api.Forced);

        var (badExit, _, error) = await _cli.RunAsync("vm", "force-simplex", "orders", "--yes", "--host", "h3", "--endpoint", _endpoint);
        Assert.Equal(1, badExit);
        Assert.Equal("error: orders has no replica on 'h3'; its hosts are h1, h2", error.Trim());
        Assert.Single(_api.Forced);
    }

    [Fact]
    public async Task Endpoint_comes_from_flag_then_variable_then_cluster_file()
    {
        var unused = $"http://127.0.0.1:{UnusedPort()}/";
        new ClusterFile(4053, _endpoint, []).Save(_cli.StateDirectory);
        Assert.Equal(0, (await _cli.RunAsync("vm", "list")).Exit);

        _cli.Environment["LOCKSTEP_ENDPOINT"] = unused;
        var (exit, _, error) = await _cli.RunAsync("vm", "list");
        Assert.NotEqual(0, exit);
        Assert.Contains($"cannot reach the command endpoint {unused}", error);

        Assert.Equal(0, (await _cli.RunAsync("vm", "list", "--endpoint", _endpoint)).Exit);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_a_clear_error()
    {
        var (exit, _, error) = await _cli.RunAsync("cluster", "show", "--endpoint", $"http://127.0.0.1:{UnusedPort()}");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot reach the command endpoint", error);
        Assert.Contains("Connection refused", error);
    }

    [Fact]
    public async Task Endpoint_must_be_an_http_url()
    {
        var (exit, _, error) = await _cli.RunAsync("vm", "list", "--endpoint", "127.0.0.1:9110");
        Assert.Equal(1, exit);
        Assert.Contains("is not an http:// URL", error);
    }

    private static int UnusedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
