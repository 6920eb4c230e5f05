namespace AkkaLockstep.Cli.Broker;

/// <summary>What a client was told about a transaction: it committed, it did not, or the answer never came.</summary>
public enum TxOutcome { Acknowledged, RolledBack, Unknown }

/// <summary>
/// A client's record of one log-on and what followed it, kept to be checked against the replicas: the log-on's
/// outcome (RolledBack also for one refused for want of a free desktop), the desktop it was given, the outcome of
/// its log-off (null: none attempted, or one that failed before its COMMIT was sent), and its heartbeats
/// acknowledged and unanswered.
/// </summary>
public sealed record LogonRecord(string LogonId, long UserId, long? DesktopId, TxOutcome Logon, TxOutcome? Logoff = null,
    long HeartbeatsAcked = 0, long HeartbeatsUnknown = 0);
