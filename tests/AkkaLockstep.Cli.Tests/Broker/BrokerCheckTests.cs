using AkkaLockstep.Cli.Broker;

namespace AkkaLockstep.Cli.Tests.Broker;

/// <summary>The broker consistency check over hand-made ledgers and rows.</summary>
public sealed class BrokerCheckTests
{
    private static LogonRecord Acked(string id, long user = 1, long desktop = 10, TxOutcome? logoff = null, long heartbeats = 0) =>
        new(id, user, desktop, TxOutcome.Acknowledged, logoff, heartbeats);

    private static SessionRow Session(string id, long user = 1, long desktop = 10, long heartbeats = 0, bool ended = false) =>
        new(id, user, desktop, heartbeats, ended);

    private static AssignmentRow Assignment(long id, string logon, long desktop = 10, bool released = false) => new(id, desktop, logon, released);

    private static BrokerCheck Check(IEnumerable<LogonRecord> ledger, IEnumerable<SessionRow> sessions, IEnumerable<AssignmentRow> assignments) =>
        BrokerCheck.Run(ledger, new BrokerRows(sessions.ToList(), assignments.ToList()));

    [Fact]
    public void Matching_ledger_and_rows_are_clean()
    {
        var check = Check(
            [Acked("a", user: 1, desktop: 10, logoff: TxOutcome.Acknowledged, heartbeats: 3), Acked("b", user: 2, desktop: 10, heartbeats: 1),
             new LogonRecord("refused", 3, null, TxOutcome.RolledBack)],
            [Session("a", 1, 10, 3, ended: true), Session("b", 2, 10, 1)],
            [Assignment(1, "a", 10, released: true), Assignment(2, "b", 10)]);

        Assert.True(check.Clean, string.Join("; ", check.Problems));
    }

    [Fact]
    public void A_missing_acknowledged_logon_is_lost()
    {
        var check = Check([Acked("a")], [], []);

        Assert.Equal(1, check.Lost);
        Assert.Contains(check.Problems, p => p.Contains("acknowledged log-on a"));
    }

    [Fact]
    public void A_logon_in_the_database_twice_is_duplicated()
    {
        var check = Check([Acked("a")], [Session("a"), Session("a")], [Assignment(1, "a")]);

        Assert.Equal(1, check.Duplicated);
        Assert.False(check.Clean);
    }

    [Fact]
    public void A_rolled_back_logon_must_be_absent()
    {
        var check = Check([new LogonRecord("a", 1, 10, TxOutcome.RolledBack)], [Session("a")], [Assignment(1, "a")]);

        Assert.Contains(check.Problems, p => p.Contains("rolled back but is in the database"));
    }

    [Fact]
    public void Unknown_logons_are_resolved_either_way()
    {
        var check = Check(
            [new LogonRecord("in", 1, 10, TxOutcome.Unknown), new LogonRecord("out", 2, 11, TxOutcome.Unknown)],
            [Session("in", 1, 10)], [Assignment(1, "in", 10)]);

        Assert.True(check.Clean, string.Join("; ", check.Problems));
        Assert.Equal((1, 1), (check.UnknownCommitted, check.UnknownAbsent));
    }

    [Fact]
    public void An_acknowledged_logoff_must_have_ended_the_session_and_released_the_desktop()
    {
        var notEnded = Check([Acked("a", logoff: TxOutcome.Acknowledged)], [Session("a")], [Assignment(1, "a")]);
        var notReleased = Check([Acked("a", logoff: TxOutcome.Acknowledged)], [Session("a", ended: true)], [Assignment(1, "a")]);

        Assert.Equal(1, notEnded.Lost);
        Assert.Contains(notReleased.Problems, p => p.Contains("has assignments"));
    }

    [Fact]
    public void A_logoff_never_acknowledged_must_not_be_applied_unless_its_outcome_is_unknown()
    {
        var none = Check([Acked("a")], [Session("a", ended: true)], [Assignment(1, "a", released: true)]);
        var unknown = Check([Acked("a", logoff: TxOutcome.Unknown)], [Session("a", ended: true)], [Assignment(1, "a", released: true)]);

        Assert.Contains(none.Problems, p => p.Contains("never acknowledged"));
        Assert.True(unknown.Clean, string.Join("; ", unknown.Problems));
    }

    [Theory]
    [InlineData(5, 0, 4, 1, 0)]  // one acknowledged heartbeat missing
    [InlineData(5, 0, 6, 0, 1)]  // one applied twice
    [InlineData(5, 1, 6, 0, 0)]  // the unanswered one was applied
    [InlineData(5, 1, 5, 0, 0)]  // or not
    [InlineData(5, 1, 7, 0, 1)]  // but not twice
    public void Heartbeats_count_exactly_the_acknowledged_ones(long acked, long unanswered, long stored, long lost, long duplicated)
    {
        var check = Check([Acked("a") with { HeartbeatsAcked = acked, HeartbeatsUnknown = unanswered }],
            [Session("a", heartbeats: stored)], [Assignment(1, "a")]);

        Assert.Equal((lost, duplicated), (check.Lost, check.Duplicated));
    }

    [Fact]
    public void A_desktop_assigned_while_still_assigned_is_a_double_assignment()
    {
        // "a" was never released, yet the desktop went to "b" (and later "b" released it): the active count alone would miss it.
        var check = Check(
            [Acked("a", user: 1), Acked("b", user: 2, logoff: TxOutcome.Acknowledged)],
            [Session("a", 1), Session("b", 2, ended: true)],
            [Assignment(1, "a"), Assignment(2, "b", released: true)]);

        Assert.Equal(1, check.DoubleAssignments);
        Assert.Contains(check.Problems, p => p.Contains("desktop 10 was assigned to b while still assigned to a"));
    }

    [Fact]
    public void Two_active_assignments_of_one_desktop_count_once_each_beyond_the_first()
    {
        var check = Check(
            [Acked("a", user: 1), Acked("b", user: 2), Acked("c", user: 3)],
            [Session("a", 1), Session("b", 2), Session("c", 3)],
            [Assignment(1, "a"), Assignment(2, "b"), Assignment(3, "c")]);

        Assert.Equal(2, check.DoubleAssignments);
    }

    [Fact]
    public void Rows_no_client_sent_and_users_with_two_active_sessions_are_problems()
    {
        var check = Check([Acked("a", user: 1, desktop: 10)],
            [Session("a", 1, 10), Session("ghost", 1, 11)], [Assignment(1, "a", 10), Assignment(2, "ghost", 11)]);

        Assert.Contains(check.Problems, p => p.Contains("ghost is in the database but no client sent it"));
        Assert.Contains(check.Problems, p => p.Contains("user 1 has 2 active sessions"));
    }

    [Fact]
    public void Problems_are_capped_with_a_count_of_the_rest()
    {
        var ledger = Enumerable.Range(0, 25).Select(i => Acked($"l{i}", user: i)).ToList();

        var check = Check(ledger, [], []);

        Assert.Equal(25, check.Lost);
        Assert.Equal(11, check.Problems.Count);
        Assert.Equal("... and 15 more", check.Problems[^1]);
    }
}
