namespace AkkaLockstep.PgWire;

/// <summary>An SQL error as sent in an ErrorResponse: SQLSTATE, message and optional detail and hint.</summary>
public sealed record PgError(string SqlState, string Message, string? Detail = null, string? Hint = null);
