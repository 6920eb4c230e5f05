using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;

namespace AkkaLockstep.Host.ClientEndpoint;

/// <summary>
/// Checks what client.proto promises about a request before a handler sees it, so handlers can rely on a
/// named VM, a 16-byte session id, a positive request number and a command within the size limit.
/// </summary>
internal static class RequestValidator
{
    public const int SessionIdBytes = 16;

    /// <summary>The rejection to send back, or null when the request is well formed.</summary>
    public static Response? Validate(Request request)
    {
        if (request.Vm.Length == 0) return Reject(request, Status.BadRequest, "vm is missing");
        if (request.SessionId.Length != SessionIdBytes)
            return Reject(request, Status.BadRequest, $"session_id must be {SessionIdBytes} bytes, got {request.SessionId.Length}");
        if (request.RequestNo < 1) return Reject(request, Status.BadRequest, "request_no must be at least 1");
        if (request.Command.Length > FrameLimits.MaxCommandBytes)
            return Reject(request, Status.TooLarge, $"command of {request.Command.Length} bytes exceeds {FrameLimits.MaxCommandBytes}");
        return null;
    }

    public static LocateResponse? Validate(LocateRequest request) =>
        request.Vm.Length == 0
            ? new LocateResponse { Correlation = request.Correlation, Status = Status.BadRequest, Error = "vm is missing" }
            : null;

    private static Response Reject(Request request, Status status, string error) =>
        new() { Correlation = request.Correlation, Status = status, Error = error };
}
