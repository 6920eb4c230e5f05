using Akka.Actor;
using Akka.Hosting;
using AkkaLockstep.Host.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>
/// A generic host running one ActorSystem configured only by <see cref="PersistenceSetup"/>. Tests
/// start one, stop it, and start another on the same storage to check what a restart recovers.
/// </summary>
internal sealed class PersistenceHost : IAsyncDisposable
{
    private readonly IHost _host;

    private PersistenceHost(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    public ActorSystem System { get; }

    public static async Task<PersistenceHost> StartAsync(
        string dataDir, string? postgresConnectionString, SqliteSynchronous synchronous = SqliteSynchronous.Normal)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("persistence-test", builder => builder
                .ConfigureLoggers(loggers => loggers.LogLevel = Akka.Event.LogLevel.WarningLevel)
                .AddLockstepPersistence(dataDir, postgresConnectionString, synchronous)))
            .Build();
        await host.StartAsync();
        return new PersistenceHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
