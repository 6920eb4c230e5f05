using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Cli.Broker;

/// <summary>Reads the broker tables out of a replica's sql guest snapshot, on a private copy of the guest.</summary>
public static class BrokerReplica
{
    // A local read, not an output any client receives: the tables of a long run may exceed a client frame.
    private static readonly SqlGuestOptions ReadOptions = SqlGuestOptions.Default with { MaxResultBytes = long.MaxValue };

    public static BrokerRows Read(byte[] snapshot)
    {
        using var guest = new SqlGuest(ReadOptions);
        guest.Restore(snapshot);
        var sessions = Query(guest, BrokerSchema.ReadSessions)
            .Select(r => new SessionRow(r[0].AsText, r[1].AsInteger, r[2].AsInteger, r[3].AsInteger, r[4].AsInteger != 0)).ToList();
        var assignments = Query(guest, BrokerSchema.ReadAssignments)
            .Select(r => new AssignmentRow(r[0].AsInteger, r[1].AsInteger, r[2].AsText, r[3].AsInteger != 0)).ToList();
        return new BrokerRows(sessions, assignments);
    }

    private static IReadOnlyList<IReadOnlyList<SqlValue>> Query(SqlGuest guest, string sql)
    {
        // A session of its own: a replica read while a client's transaction was open would answer Busy.
        var output = guest.Apply(SqlCommand.Execute(sql).Encode(), new InputContext(0, 0, 0, Guid.NewGuid()));
        var result = SqlResult.Decode(output);
        if (!result.IsOk) throw new CliException($"cannot read the broker tables of a replica ({result.ErrorCode}: {result.ErrorMessage})");
        return result.Rows;
    }
}
