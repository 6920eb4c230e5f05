using Microsoft.Extensions.Hosting;

namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>
/// Replaces ASP.NET's console lifetime, which would catch SIGINT/SIGTERM and stop only the web server:
/// the embedding process decides when the endpoint stops.
/// </summary>
internal sealed class PassiveHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
