using System.Collections.Concurrent;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

/// <summary>A scriptable handler that records every request it is given.</summary>
internal sealed class FakeHandler : IClientRequestHandler
{
    private int _calls;

    public ConcurrentQueue<Request> Requests { get; } = new();

    public ConcurrentQueue<LocateRequest> Locates { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Answers a request; the int is the 1-based number of the call. Default: echo the command.</summary>
    public Func<Request, int, CancellationToken, Task<Response>> OnRequest { get; set; } =
        (request, _, _) => Task.FromResult(Ok(request, request.Command.ToByteArray()));

    /// <summary>The primary endpoint to name in locate answers (null: UNKNOWN_VM).</summary>
    public string? Primary { get; set; }

    public Task<Response> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        return OnRequest(request, Interlocked.Increment(ref _calls), cancellationToken);
    }

    public Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        Locates.Enqueue(request);
        var primary = Primary;
        return Task.FromResult(primary is null
            ? new LocateResponse { Correlation = request.Correlation, Status = Status.UnknownVm, Error = "no such vm" }
            : new LocateResponse { Correlation = request.Correlation, PrimaryEndpoint = primary, Endpoints = { primary } });
    }

    public static Response Ok(Request request, byte[] output) =>
        new() { Correlation = request.Correlation, Output = Google.Protobuf.ByteString.CopyFrom(output) };

    public static Response Fail(Request request, Status status, string error = "", string hint = "") =>
        new() { Correlation = request.Correlation, Status = status, Error = error, PrimaryHint = hint };
}
