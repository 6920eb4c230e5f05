namespace AkkaLockstep.PgWire;

/// <summary>A non-error message sent to the client as a NoticeResponse before the statement's result.</summary>
public sealed record PgNotice(string SqlState, string Message, PgNoticeSeverity Severity = PgNoticeSeverity.Warning);

/// <summary>Severities a notice can carry.</summary>
public enum PgNoticeSeverity
{
    Warning,
    Notice,
    Info,
}
