using System.Diagnostics;
using AkkaLockstep.Cli.Workload;
using Npgsql;

namespace AkkaLockstep.Cli.Broker;

/// <summary>
/// One client session of the broker experiment: a PostgreSQL connection acting for its own users, one transaction
/// after another (log on, heartbeat, log off, or a query of free desktops), and a ledger of what it was told. After
/// an error it reconnects; a user whose log-on or log-off has an unknown outcome is left alone from then on, so the
/// ledger stays checkable.
/// </summary>
public sealed class BrokerClient(NpgsqlDataSource database, int index, IReadOnlyList<BrokerUser> users, BrokerCounters counters, int seed)
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(200);

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, LogonRecord> _ledger = [];
    private readonly Dictionary<long, (string LogonId, long DesktopId)> _loggedOn = [];
    private readonly HashSet<long> _inDoubt = [];

    /// <summary>Every log-on this client attempted; read once <see cref="RunAsync"/> has finished.</summary>
    public IReadOnlyCollection<LogonRecord> Ledger => _ledger.Values;

    public LatencyRecorder Latency { get; } = new();

    /// <summary>Runs until <paramref name="stop"/> is cancelled; the transaction in flight finishes first.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        NpgsqlConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var (kind, user) = Choose();
                counters.Begin();
                var start = Stopwatch.GetTimestamp();
                try
                {
                    connection ??= await database.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                    var answered = kind switch
                    {
                        BrokerTransaction.Logon => await LogOnAsync(connection, user!).ConfigureAwait(false),
                        BrokerTransaction.Logoff => await LogOffAsync(connection, user!).ConfigureAwait(false),
                        BrokerTransaction.Heartbeat => await HeartbeatAsync(connection, user!).ConfigureAwait(false),
                        _ => await QueryAsync(connection).ConfigureAwait(false),
                    };
                    Latency.Record(start);
                    counters.Answer(answered);
                }
                catch (Exception e)
                {
                    // Whatever went wrong, the client saw an error: count it, show it, and start on a new connection
                    // (the gateway closes the old session, which rolls back a transaction left open).
                    var cause = e is UnknownOutcomeException ? e.InnerException! : e;
                    counters.Error($"client {index}, {kind}{(e is UnknownOutcomeException ? " (outcome unknown)" : "")}: " +
                                   $"{cause.GetType().Name}: {cause.Message}", e is UnknownOutcomeException);
                    if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                    await Task.Delay(ReconnectPause, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A realistic mix: mostly heartbeats of logged-on users, log-ons and log-offs, some queries.</summary>
    private (BrokerTransaction Kind, BrokerUser? User) Choose()
    {
        var loggedOff = users.Where(u => !_loggedOn.ContainsKey(u.Id) && !_inDoubt.Contains(u.Id)).ToList();
        var loggedOn = users.Where(u => _loggedOn.ContainsKey(u.Id)).ToList();
        var roll = _random.Next(100);
        if (roll < 10) return (BrokerTransaction.Query, null);
        if (roll < 40 && loggedOff.Count > 0) return (BrokerTransaction.Logon, Pick(loggedOff));
        if (roll < 60 && loggedOn.Count > 0) return (BrokerTransaction.Logoff, Pick(loggedOn));
        if (loggedOn.Count > 0) return (BrokerTransaction.Heartbeat, Pick(loggedOn));
        if (loggedOff.Count > 0) return (BrokerTransaction.Logon, Pick(loggedOff));
        return (BrokerTransaction.Query, null);
    }

    private BrokerUser Pick(List<BrokerUser> from) => from[_random.Next(from.Count)];

    /// <summary>BEGIN; pick a free desktop of the user's group; insert the session and the assignment; COMMIT.</summary>
    private async Task<BrokerTransaction> LogOnAsync(NpgsqlConnection connection, BrokerUser user)
    {
        var logonId = Guid.NewGuid().ToString("N");
        var record = new LogonRecord(logonId, user.Id, null, TxOutcome.RolledBack);
        _ledger[logonId] = record;
        long desktop;
        var committing = false;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            if (await ScalarAsync(connection, transaction, BrokerSchema.PickFreeDesktop, user.GroupId).ConfigureAwait(false) is not long free)
            {
                await transaction.RollbackAsync().ConfigureAwait(false);
                return BrokerTransaction.LogonRefused;
            }
            desktop = free;
            _ledger[logonId] = record = record with { DesktopId = desktop };
            await ExecuteAsync(connection, transaction, BrokerSchema.InsertSession, logonId, user.Id, desktop).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, BrokerSchema.InsertAssignment, desktop, logonId).ConfigureAwait(false);
            committing = true;
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (committing)
        {
            _ledger[logonId] = record with { Logon = TxOutcome.Unknown };
            _inDoubt.Add(user.Id);
            throw new UnknownOutcomeException(e);
        }
        _ledger[logonId] = record with { Logon = TxOutcome.Acknowledged };
        _loggedOn[user.Id] = (logonId, desktop);
        return BrokerTransaction.Logon;
    }

    /// <summary>BEGIN; end the session; release its desktop; COMMIT.</summary>
    private async Task<BrokerTransaction> LogOffAsync(NpgsqlConnection connection, BrokerUser user)
    {
        var logonId = _loggedOn[user.Id].LogonId;
        var committing = false;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await ExpectOneRowAsync(connection, transaction, BrokerSchema.EndSession, logonId).ConfigureAwait(false);
            await ExpectOneRowAsync(connection, transaction, BrokerSchema.ReleaseDesktop, logonId).ConfigureAwait(false);
            committing = true;
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (committing)
        {
            _ledger[logonId] = _ledger[logonId] with { Logoff = TxOutcome.Unknown };
            _loggedOn.Remove(user.Id);
            _inDoubt.Add(user.Id);
            throw new UnknownOutcomeException(e);
        }
        _ledger[logonId] = _ledger[logonId] with { Logoff = TxOutcome.Acknowledged };
        _loggedOn.Remove(user.Id);
        return BrokerTransaction.Logoff;
    }

    /// <summary>One autocommit UPDATE: an unanswered one may have been applied.</summary>
    private async Task<BrokerTransaction> HeartbeatAsync(NpgsqlConnection connection, BrokerUser user)
    {
        var logonId = _loggedOn[user.Id].LogonId;
        int rows;
        try
        {
            rows = await ExecuteAsync(connection, null, BrokerSchema.Heartbeat, logonId).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _ledger[logonId] = _ledger[logonId] with { HeartbeatsUnknown = _ledger[logonId].HeartbeatsUnknown + 1 };
            throw new UnknownOutcomeException(e);
        }
        ExpectOneRow(rows, logonId, BrokerSchema.Heartbeat);
        _ledger[logonId] = _ledger[logonId] with { HeartbeatsAcked = _ledger[logonId].HeartbeatsAcked + 1 };
        return BrokerTransaction.Heartbeat;
    }

    private static async Task<BrokerTransaction> QueryAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(BrokerSchema.FreeDesktopsPerGroup, connection);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var groups = 0;
        while (await reader.ReadAsync().ConfigureAwait(false)) groups++;
        return groups > 0 ? BrokerTransaction.Query : throw new InvalidOperationException("free desktops per group: no group in the answer");
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] values)
    {
        await using var command = Command(connection, transaction, sql, values);
        return await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    /// <returns>The rows changed.</returns>
    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object[] values)
    {
        await using var command = Command(connection, transaction, sql, values);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task ExpectOneRowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string logonId) =>
        ExpectOneRow(await ExecuteAsync(connection, transaction, sql, logonId).ConfigureAwait(false), logonId, sql);

    /// <summary>Each UPDATE touches the client's own session: finding none would mean the database lost or ended it.</summary>
    private static void ExpectOneRow(int rows, string logonId, string sql)
    {
        if (rows != 1) throw new InvalidOperationException($"{rows} rows changed for log-on {logonId}, expected 1: {sql}");
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>The connection failed after COMMIT (or an autocommit statement) was sent: it may or may not have run.</summary>
    private sealed class UnknownOutcomeException(Exception inner) : Exception(inner.Message, inner);
}
