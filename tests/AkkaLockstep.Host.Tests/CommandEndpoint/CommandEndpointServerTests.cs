using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AkkaLockstep.Host.CommandEndpoint;
using Prometheus;

namespace AkkaLockstep.Host.Tests.CommandEndpoint;

public sealed class CommandEndpointServerTests : IAsyncLifetime
{
    private readonly FakeCommandApi _api = new();
    private CommandEndpointServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = new CommandEndpointServer(_api, IPAddress.Loopback, 0);
        await _server.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.StopAsync();
    }

    [Fact]
    public void Port_zero_binds_a_real_port()
    {
        Assert.InRange(_server.Port, 1, 65535);
        Assert.Equal($"http://127.0.0.1:{_server.Port}/", _server.BaseAddress.ToString());
    }

    [Fact]
    public async Task Cluster_is_camelCase_json()
    {
        var (status, json) = await GetJsonAsync("/cluster");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("akka.tcp://lockstep@127.0.0.1:4054", json.GetProperty("self").GetString());
        Assert.Equal("akka.tcp://lockstep@127.0.0.1:4053", json.GetProperty("leader").GetString());
        var h1 = json.GetProperty("members")[0];
        Assert.Equal("h1", h1.GetProperty("name").GetString());
        Assert.Equal("Up", h1.GetProperty("status").GetString());
        Assert.True(h1.GetProperty("reachable").GetBoolean());
        Assert.Equal("host", h1.GetProperty("roles")[0].GetString());
        Assert.Equal("http://127.0.0.1:9111", h1.GetProperty("commandEndpoint").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("members")[1].GetProperty("clientEndpoint").ValueKind);
    }

    [Fact]
    public async Task Vms_lists_every_vm_with_its_replicas()
    {
        var (status, json) = await GetJsonAsync("/vms");
        Assert.Equal(HttpStatusCode.OK, status);
        var vm = Assert.Single(json.EnumerateArray());
        Assert.Equal("orders", vm.GetProperty("name").GetString());
        Assert.Equal(3, vm.GetProperty("epoch").GetInt64());
        Assert.Equal(["h1", "h2"], vm.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(41, vm.GetProperty("replicas")[0].GetProperty("appliedIndex").GetInt64());
        Assert.Equal("abcdef0123456789", vm.GetProperty("replicas")[0].GetProperty("hashChain").GetString());
    }

    [Fact]
    public async Task Vm_by_name()
    {
        var (status, json) = await GetJsonAsync("/vms/orders");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("duplex", json.GetProperty("state").GetString());
        Assert.Equal("h1", json.GetProperty("primary").GetString());
    }

    [Fact]
    public async Task Unknown_vm_is_404_with_the_message()
    {
        foreach (var path in new[] { "/vms/nope", "/vms/nope/local", "/vms/nope/local/dump" })
        {
            var (status, json) = await GetJsonAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("no VM named 'nope'", json.GetProperty("error").GetString());
        }
        using var delete = await _http.DeleteAsync("/vms/nope");
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task Protect_passes_the_request_and_returns_the_vm()
    {
        using var response = await _http.PostAsJsonAsync("/vms", new { name = "carts", kind = "kv", hosts = new[] { "h2", "h1" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("carts", json.GetProperty("name").GetString());
        Assert.Equal("syncing", json.GetProperty("state").GetString());
        var request = Assert.Single(_api.Protected);
        Assert.Equal(("carts", "kv"), (request.Name, request.Kind));
        Assert.Equal(["h2", "h1"], request.Hosts!);
    }

    [Fact]
    public async Task Command_exception_keeps_its_status_code()
    {
        using var response = await _http.PostAsJsonAsync("/vms", new { name = "orders", kind = "kv" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("VM 'orders' already exists", await ErrorOf(response));
    }

    [Theory]
    [InlineData("not json", "not a valid ProtectRequest")]
    [InlineData("{\"kind\":\"kv\"}", "name is required")]
    [InlineData("{\"name\":\"x\"}", "kind is required")]
    [InlineData("null", "request body is empty")]
    public async Task Bad_protect_body_is_400_saying_why(string body, string expected)
    {
        using var response = await _http.PostAsync("/vms", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await ErrorOf(response));
        Assert.Empty(_api.Protected);
    }

    [Fact]
    public async Task Unprotect_is_204()
    {
        using var response = await _http.DeleteAsync("/vms/orders");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["orders"], _api.Unprotected);
    }

    [Fact]
    public async Task Local_replica_and_dump()
    {
        var (status, local) = await GetJsonAsync("/vms/orders/local");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("primary", local.GetProperty("role").GetString());
        Assert.Equal(42, local.GetProperty("lastIndex").GetInt64());
        Assert.Equal(41, local.GetProperty("commitIndex").GetInt64());

        var (dumpStatus, dump) = await GetJsonAsync("/vms/orders/local/dump");
        Assert.Equal(HttpStatusCode.OK, dumpStatus);
        Assert.Equal(41, dump.GetProperty("appliedIndex").GetInt64());
        Assert.Equal([1, 2, 3], Convert.FromBase64String(dump.GetProperty("snapshotBase64").GetString()!));
    }

    [Fact]
    public async Task Force_simplex_forces_this_hosts_replica_and_returns_its_epoch_and_state()
    {
        using var response = await _http.PostAsync("/vms/orders/force-simplex", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("orders", "h1", 4, "forced-simplex"),
            (json.GetProperty("vm").GetString(), json.GetProperty("host").GetString(), json.GetProperty("epoch").GetInt64(),
                json.GetProperty("state").GetString()));
        Assert.Equal(["orders"], _api.Forced);
    }

    [Fact]
    public async Task Force_simplex_refused_is_409_with_the_reason_and_unknown_vm_is_404()
    {
        _api.ForceRefusal = "this replica is duplex primary in epoch 3; nothing to force";
        using var refused = await _http.PostAsync("/vms/orders/force-simplex", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("this replica is duplex primary in epoch 3; nothing to force", await ErrorOf(refused));

        using var unknown = await _http.PostAsync("/vms/nope/force-simplex", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("no VM named 'nope'", await ErrorOf(unknown));

        using var wrongMethod = await _http.GetAsync("/vms/orders/force-simplex");
        Assert.Equal(HttpStatusCode.NotFound, wrongMethod.StatusCode);
        Assert.Empty(_api.Forced);
    }

    [Fact]
    public async Task Other_exceptions_are_500_and_the_server_keeps_serving()
    {
        var (status, json) = await GetJsonAsync("/vms/explode");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("the fake exploded", json.GetProperty("error").GetString());

        var (after, _) = await GetJsonAsync("/vms/orders");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Unknown_route_is_404_json()
    {
        var (status, json) = await GetJsonAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("/nowhere", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Health_is_ok()
    {
        var (status, json) = await GetJsonAsync("/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_exports_the_default_registry_as_prometheus_text()
    {
        Metrics.CreateCounter("lockstep_endpoint_test_total", "A counter only this test uses.").Inc(7);
        using var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE lockstep_endpoint_test_total counter", text);
        Assert.Contains("lockstep_endpoint_test_total 7", text);
    }

    [Fact]
    public async Task Binds_to_a_host_name()
    {
        await using var byName = new CommandEndpointServer(_api, "localhost", 0);
        await byName.StartAsync();
        using var http = new HttpClient { BaseAddress = byName.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Stop_releases_the_port()
    {
        var port = _server.Port;
        await _server.StopAsync();
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }

    private async Task<(HttpStatusCode, JsonElement)> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<string?> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
}
