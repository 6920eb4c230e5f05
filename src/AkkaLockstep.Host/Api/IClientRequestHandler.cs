using AkkaLockstep.Wire;

namespace AkkaLockstep.Host.Api;

/// <summary>
/// What the client endpoint (TCP server) hands decoded frames to. Implementations must never throw for a
/// bad request: they answer with a non-OK status instead.
/// </summary>
public interface IClientRequestHandler
{
    Task<Response> HandleAsync(Request request, CancellationToken cancellationToken);
    Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken);

    /// <summary>While true the endpoint drops every frame both ways, as a cut network would (fault injection).</summary>
    bool Blackholed => false;
}
