namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>Body of every non-success answer of the command endpoint: <c>{"error":"..."}</c>.</summary>
public sealed record ErrorResponse(string Error);
