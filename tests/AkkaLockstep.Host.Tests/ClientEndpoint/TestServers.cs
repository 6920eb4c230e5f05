using System.Net;
using AkkaLockstep.Client;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Host.ClientEndpoint;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

internal static class TestServers
{
    public static async Task<ClientEndpointServer> StartAsync(IClientRequestHandler handler, ILogger? logger = null, int port = 0)
    {
        var server = new ClientEndpointServer(new IPEndPoint(IPAddress.Loopback, port), handler, logger ?? NullLogger.Instance);
        await server.StartAsync();
        return server;
    }

    public static string Endpoint(this ClientEndpointServer server) => $"127.0.0.1:{server.Port}";

    /// <summary>
    /// Short backoff so retry paths run in milliseconds, but tolerant connect and liveness limits: tests run in
    /// parallel on few cores, and a starved thread pool must not pass for a dead host.
    /// </summary>
    public static LockstepClientOptions FastOptions(params string[] endpoints) => new()
    {
        Endpoints = endpoints,
        RequestTimeout = TimeSpan.FromSeconds(10),
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        DeadConnectionTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Polls until <paramref name="condition"/> holds, failing the test after a few seconds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }
}
