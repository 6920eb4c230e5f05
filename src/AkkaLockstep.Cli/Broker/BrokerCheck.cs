namespace AkkaLockstep.Cli.Broker;

/// <summary>
/// The consistency check of the broker experiment: what the clients were told (<see cref="LogonRecord"/>s) against
/// the rows of a replica. Acknowledged log-ons, log-offs and heartbeats must be there exactly once; rolled-back ones
/// must not; an unknown outcome may have gone either way and is resolved here. Independently of the clients, no
/// desktop may ever have been assigned while still assigned to someone else.
/// </summary>
public sealed record BrokerCheck(long Lost, long Duplicated, long DoubleAssignments, long UnknownCommitted, long UnknownAbsent,
    IReadOnlyList<string> Problems)
{
    private const int MaxExamples = 10;

    public bool Clean => Lost == 0 && Duplicated == 0 && DoubleAssignments == 0 && Problems.Count == 0;

    public static BrokerCheck Run(IEnumerable<LogonRecord> ledger, BrokerRows rows)
    {
        var check = new Tally();
        var sessions = rows.Sessions.GroupBy(s => s.LogonId).ToDictionary(g => g.Key, g => g.ToList());
        var assignments = rows.Assignments.GroupBy(a => a.LogonId).ToDictionary(g => g.Key, g => g.ToList());
        var sent = new HashSet<string>();
        foreach (var record in ledger)
        {
            sent.Add(record.LogonId);
            var found = sessions.TryGetValue(record.LogonId, out var list) ? list : [];
            switch (record.Logon)
            {
                case TxOutcome.Acknowledged when found.Count == 0:
                    check.Lost++;
                    check.Problem($"acknowledged log-on {record.LogonId} (user {record.UserId}) is missing");
                    continue;
                case TxOutcome.RolledBack when found.Count > 0:
                    check.Problem($"log-on {record.LogonId} (user {record.UserId}) was rolled back but is in the database");
                    continue;
                case TxOutcome.RolledBack:
                    continue;
                case TxOutcome.Unknown when found.Count == 0:
                    check.UnknownAbsent++;
                    continue;
                case TxOutcome.Unknown:
                    check.UnknownCommitted++;
                    break;
            }
            if (found.Count > 1)
            {
                check.Duplicated += found.Count - 1;
                check.Problem($"log-on {record.LogonId} is in the database {found.Count} times");
            }
            CheckSession(record, found[0], assignments.TryGetValue(record.LogonId, out var given) ? given : [], check);
        }
        foreach (var logonId in sessions.Keys.Where(id => !sent.Contains(id)))
            check.Problem($"log-on {logonId} is in the database but no client sent it");
        foreach (var user in rows.Sessions.Where(s => !s.Ended).GroupBy(s => s.UserId).Where(g => g.Count() > 1))
            check.Problem($"user {user.Key} has {user.Count()} active sessions");
        check.DoubleAssignments = CountDoubleAssignments(rows.Assignments, check);
        return new BrokerCheck(check.Lost, check.Duplicated, check.DoubleAssignments, check.UnknownCommitted, check.UnknownAbsent, check.Problems());
    }

    private static void CheckSession(LogonRecord record, SessionRow row, List<AssignmentRow> given, Tally check)
    {
        var id = record.LogonId;
        if (row.UserId != record.UserId || (record.DesktopId is { } desktop && row.DesktopId != desktop))
        {
            check.Problem($"log-on {id} holds user {row.UserId} on desktop {row.DesktopId}; " +
                          $"its client was told user {record.UserId} on desktop {record.DesktopId}");
        }
        switch (record.Logoff)
        {
            case TxOutcome.Acknowledged when !row.Ended:
                check.Lost++;
                check.Problem($"acknowledged log-off of {id} was not applied: the session is still active");
                break;
            case null or TxOutcome.RolledBack when row.Ended:
                check.Problem($"log-off of {id} was applied but never acknowledged");
                break;
        }
        if (row.Heartbeats < record.HeartbeatsAcked)
        {
            check.Lost += record.HeartbeatsAcked - row.Heartbeats;
            check.Problem($"log-on {id} counts {row.Heartbeats} heartbeats, {record.HeartbeatsAcked} were acknowledged");
        }
        else if (row.Heartbeats > record.HeartbeatsAcked + record.HeartbeatsUnknown)
        {
            // An unanswered heartbeat may have been applied once, never twice.
            check.Duplicated += row.Heartbeats - record.HeartbeatsAcked - record.HeartbeatsUnknown;
            check.Problem($"log-on {id} counts {row.Heartbeats} heartbeats, only {record.HeartbeatsAcked} acknowledged " +
                          $"and {record.HeartbeatsUnknown} unanswered");
        }
        if (given.Count != 1 || given[0].DesktopId != row.DesktopId || given[0].Released != row.Ended)
        {
            check.Problem($"log-on {id} ({(row.Ended ? "ended" : "active")}, desktop {row.DesktopId}) has assignments " +
                          $"[{string.Join(", ", given.Select(a => $"desktop {a.DesktopId}{(a.Released ? " released" : "")}"))}]");
        }
    }

    /// <summary>
    /// A release is never undone, so an assignment still unreleased when a later one of the same desktop was made
    /// was active at that moment: each such assignment is one double assignment.
    /// </summary>
    private static long CountDoubleAssignments(IReadOnlyList<AssignmentRow> assignments, Tally check)
    {
        long doubled = 0;
        foreach (var desktop in assignments.GroupBy(a => a.DesktopId))
        {
            var ordered = desktop.OrderBy(a => a.Id).ToList();
            foreach (var earlier in ordered.Take(ordered.Count - 1).Where(a => !a.Released))
            {
                doubled++;
                var later = ordered.First(a => a.Id > earlier.Id);
                check.Problem($"desktop {desktop.Key} was assigned to {later.LogonId} while still assigned to {earlier.LogonId}");
            }
        }
        return doubled;
    }

    /// <summary>Counts while checking; keeps the first problems as examples and the number of the rest.</summary>
    private sealed class Tally
    {
        private readonly List<string> _problems = [];
        private int _more;

        public long Lost, Duplicated, DoubleAssignments, UnknownCommitted, UnknownAbsent;

        public void Problem(string text)
        {
            if (_problems.Count < MaxExamples) _problems.Add(text);
            else _more++;
        }

        public IReadOnlyList<string> Problems() => _more == 0 ? _problems : [.. _problems, $"... and {_more} more"];
    }
}
