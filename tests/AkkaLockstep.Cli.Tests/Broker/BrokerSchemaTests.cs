using AkkaLockstep.Cli.Broker;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Cli.Tests.Broker;

/// <summary>
/// The broker's SQL on a sql guest in memory: the schema and the client transactions run, the constraints refuse a
/// second active assignment of a desktop and a second active session of a user, and the replica reader gets the rows
/// back from a snapshot.
/// </summary>
public sealed class BrokerSchemaTests : IDisposable
{
    private readonly SqlGuest _guest = new();
    private readonly Guid _session = Guid.NewGuid();
    private long _index;

    public BrokerSchemaTests()
    {
        foreach (var sql in BrokerSchema.Create.Concat(BrokerSchema.Seed(BrokerLayout.For(4)))) Ok(sql);
    }

    private SqlResult Run(string sql, params SqlValue[] parameters)
    {
        _index++;
        return SqlResult.Decode(_guest.Apply(SqlCommand.Execute(sql, parameters).Encode(), new InputContext(_index, 1_000 * _index, (ulong)_index, _session)));
    }

    private SqlResult Ok(string sql, params SqlValue[] parameters)
    {
        var result = Run(sql, parameters);
        Assert.True(result.IsOk, $"{sql}: {result}");
        return result;
    }

    private long LogOn(string logonId, long user, long group)
    {
        Ok("BEGIN");
        var desktop = Ok(BrokerSchema.PickFreeDesktop, group).Rows.Single()[0].AsInteger;
        Ok(BrokerSchema.InsertSession, logonId, user, desktop);
        Ok(BrokerSchema.InsertAssignment, desktop, logonId);
        Ok("COMMIT");
        return desktop;
    }

    [Fact]
    public void Transactions_run_and_the_replica_reader_returns_rows_the_check_accepts()
    {
        var d1 = LogOn("one", user: 1, group: 1);
        var d2 = LogOn("two", user: 5, group: 1);
        Assert.NotEqual(d1, d2);
        Assert.Equal(1, Ok(BrokerSchema.Heartbeat, "one").RowsAffected);
        Ok("BEGIN");
        Assert.Equal(1, Ok(BrokerSchema.EndSession, "two").RowsAffected);
        Assert.Equal(1, Ok(BrokerSchema.ReleaseDesktop, "two").RowsAffected);
        Ok("COMMIT");
        Assert.Equal(4, Ok(BrokerSchema.FreeDesktopsPerGroup).Rows.Count);

        var rows = BrokerReplica.Read(_guest.Snapshot());

        Assert.Equal([new SessionRow("one", 1, d1, 1, false), new SessionRow("two", 5, d2, 0, true)], rows.Sessions);
        Assert.Equal([new AssignmentRow(1, d1, "one", false), new AssignmentRow(2, d2, "two", true)], rows.Assignments);
        var check = BrokerCheck.Run([
            new LogonRecord("one", 1, d1, TxOutcome.Acknowledged, HeartbeatsAcked: 1),
            new LogonRecord("two", 5, d2, TxOutcome.Acknowledged, TxOutcome.Acknowledged)], rows);
        Assert.True(check.Clean, string.Join("; ", check.Problems));
    }

    [Fact]
    public void A_desktop_cannot_be_assigned_twice_nor_a_user_logged_on_twice()
    {
        var desktop = LogOn("one", user: 1, group: 1);

        Ok(BrokerSchema.InsertSession, "two", 5, desktop);
        Assert.Equal("23505", Run(BrokerSchema.InsertAssignment, desktop, "two").ErrorCode);
        Assert.Equal("23505", Run(BrokerSchema.InsertSession, "three", 1, desktop).ErrorCode);
    }

    [Fact]
    public void The_layout_gives_each_client_its_own_users_and_each_group_fewer_desktops_than_users()
    {
        var layout = BrokerLayout.For(16);

        Assert.Equal(64, layout.Users.Count);
        Assert.Equal(layout.Users, Enumerable.Range(0, 16).SelectMany(layout.UsersOf));
        foreach (var group in Enumerable.Range(1, layout.Groups.Count))
        {
            var desktops = layout.Desktops.Count(d => d.GroupId == group);
            Assert.InRange(desktops, 1, layout.Users.Count(u => u.GroupId == group) - 1);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => BrokerLayout.For(0));
    }

    public void Dispose() => _guest.Dispose();
}
