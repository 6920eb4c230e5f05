using System.Net;
using AkkaLockstep.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>
/// The HTTP command endpoint: the <see cref="ICommandApi"/> as JSON routes, plus /health and /metrics.
/// Kestrel on one address and port (0 picks a free port; see <see cref="Port"/> after <see cref="StartAsync"/>).
/// Failed requests are logged to the given logger; Kestrel itself logs nothing.
/// </summary>
public sealed class CommandEndpointServer(ICommandApi api, IPAddress address, int port, ILogger? log = null)
    : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Binds to <paramref name="hostname"/> (an IP address or a name resolved now, IPv4 preferred).</summary>
    public CommandEndpointServer(ICommandApi api, string hostname, int port, ILogger? log = null)
        : this(api, ResolveAddress(hostname), port, log)
    {
    }

    /// <summary>The port actually bound; differs from the requested one when that was 0.</summary>
    public int Port { get; private set; }

    public Uri BaseAddress => new($"http://{FormatHost(address)}:{Port}/");

    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_app is not null) throw new InvalidOperationException("The command endpoint is already started.");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // The host process owns logging and signals: Kestrel stays silent and must not stop itself on Ctrl+C.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        builder.Services.ConfigureHttpJsonOptions(o => CommandEndpointJson.Configure(o.SerializerOptions));
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));

        var app = builder.Build();
        app.UseMiddleware<ErrorResponseMiddleware>(log ?? NullLogger.Instance);
        CommandEndpointRoutes.Map(app, api);

        await app.StartAsync(ct);
        _app = app;
        Port = BoundPort(app);
    }

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_app is null) return;
        var app = _app;
        _app = null;
        await app.StopAsync(ct);
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        return new Uri(addresses.Addresses.First()).Port;
    }

    private static IPAddress ResolveAddress(string hostname)
    {
        if (IPAddress.TryParse(hostname, out var address)) return address;
        var addresses = Dns.GetHostAddresses(hostname);
        return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
               ?? addresses.FirstOrDefault()
               ?? throw new ArgumentException($"host name '{hostname}' resolves to no address", nameof(hostname));
    }

    private static string FormatHost(IPAddress a) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString();
}
