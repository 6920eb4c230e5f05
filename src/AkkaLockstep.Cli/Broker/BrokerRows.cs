namespace AkkaLockstep.Cli.Broker;

/// <summary>The broker tables of one replica, as far as the consistency check needs them.</summary>
public sealed record BrokerRows(IReadOnlyList<SessionRow> Sessions, IReadOnlyList<AssignmentRow> Assignments);

public sealed record SessionRow(string LogonId, long UserId, long DesktopId, long Heartbeats, bool Ended);

public sealed record AssignmentRow(long Id, long DesktopId, string LogonId, bool Released);
