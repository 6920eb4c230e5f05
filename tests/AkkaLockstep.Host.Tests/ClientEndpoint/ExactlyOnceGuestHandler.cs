using AkkaLockstep.Host.Api;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire;
using Google.Protobuf;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

/// <summary>
/// A guest behind the session table of invariant 4: a repeated (session, request number) returns the stored
/// result without applying again; inputs are stamped like a primary does. Shared by two servers it stands in for a
/// replicated VM.
/// </summary>
internal sealed class ExactlyOnceGuestHandler(IGuest guest, string? primary = null) : IClientRequestHandler
{
    private readonly object _lock = new();
    private readonly Dictionary<ByteString, (long RequestNo, byte[] Result)> _sessions = [];
    private long _index;

    public int Applied { get; private set; }

    public string? Primary { get; set; } = primary;

    /// <summary>Runs after the command is applied, before the answer is returned (to lose answers in tests).</summary>
    public Func<Request, CancellationToken, Task>? AfterApply { get; set; }

    public async Task<Response> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        await Task.Yield();
        byte[] result;
        lock (_lock)
        {
            _sessions.TryGetValue(request.SessionId, out var last);
            if (request.RequestNo < last.RequestNo)
                return FakeHandler.Fail(request, Status.StaleRequest, "older than the session's last request");
            if (request.RequestNo == last.RequestNo)
                result = last.Result;
            else
            {
                var context = new InputContext(++_index, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (ulong)_index,
                    new Guid(request.SessionId.Span));
                result = guest.Apply(request.Command.Span, context);
                Applied++;
                _sessions[request.SessionId] = (request.RequestNo, result);
            }
        }
        if (AfterApply is { } afterApply) await afterApply(request, cancellationToken);
        return FakeHandler.Ok(request, result);
    }

    public Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new LocateResponse { Correlation = request.Correlation, PrimaryEndpoint = Primary ?? "" });
}
