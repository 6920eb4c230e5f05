using AkkaLockstep.Host.Api;
using AkkaLockstep.Host.Replication;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Host.Endpoints;

/// <summary>
/// Routes client requests (already checked against the wire contract by the endpoint) to this host's replica
/// of the VM. A VM that this host does not hold gets a hint to the host that does.
/// </summary>
public sealed class ClientRequestRouter(HostDirectory directory) : IClientRequestHandler
{
    public bool Blackholed => directory.Faults.ClientsCut;

    public async Task<Response> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        var session = new Guid(request.SessionId.Span);
        // The all-zero session marks the protocol's own no-op inputs.
        if (session == Guid.Empty) return Fail(request, Status.BadRequest, "session_id must not be all zeros");
        var replica = directory.LocalReplica(request.Vm);
        if (replica is null)
        {
            var vm = directory.Placement.Find(request.Vm);
            if (vm is null)
                return directory.PlacementLoaded
                    ? Fail(request, Status.UnknownVm, $"unknown VM '{request.Vm}'")
                    : Fail(request, Status.Unavailable, PlacementNotLoaded);
            return new Response
            {
                Correlation = request.Correlation, Status = Status.NotPrimary,
                Error = $"{directory.Self} holds no replica of {request.Vm}",
                PrimaryHint = directory.ClientEndpointOf(vm.Hosts[0]) ?? "",
            };
        }
        var completion = new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.Tell(new ClientCommand(request, session, completion), Akka.Actor.ActorRefs.NoSender);
        await using var registration = cancellationToken.Register(() =>
            completion.TrySetResult(Fail(request, Status.Unavailable, "request cancelled before an answer")));
        return await completion.Task.ConfigureAwait(false);
    }

    // A client told "unknown VM" gives up (the gateway reports the database gone): a host still reading its placement
    // must say "retry" instead.
    private string PlacementNotLoaded => $"{directory.Self} is starting and has not read the placement yet; retry";

    private static Response Fail(Request request, Status status, string error) =>
        new() { Correlation = request.Correlation, Status = status, Error = error };

    public Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        var vm = directory.Placement.Find(request.Vm);
        if (vm is null)
            return Task.FromResult(directory.PlacementLoaded
                ? new LocateResponse { Correlation = request.Correlation, Status = Status.UnknownVm, Error = $"unknown VM '{request.Vm}'" }
                : new LocateResponse { Correlation = request.Correlation, Status = Status.Unavailable, Error = PlacementNotLoaded });
        var response = new LocateResponse { Correlation = request.Correlation, Status = Status.Ok, Kind = vm.Kind };
        response.Endpoints.AddRange(vm.Hosts.Select(directory.ClientEndpointOf).OfType<string>());
        var local = directory.LocalState(request.Vm);
        // The local replica's hint: the primary, or this host while its replica takes over (it holds requests). A
        // replica that knows no primary (joining, fenced) names none, so the client asks the next host; a host
        // without a replica names the placement's preferred primary.
        var primaryHost = local is null ? vm.Hosts[0] : local.ClientHint;
        response.PrimaryEndpoint = primaryHost is null ? "" : directory.ClientEndpointOf(primaryHost) ?? "";
        return Task.FromResult(response);
    }
}
