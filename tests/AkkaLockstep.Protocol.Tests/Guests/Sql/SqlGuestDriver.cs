using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

/// <summary>
/// Feeds a <see cref="SqlGuest"/> inputs the way a replica does: increasing indexes, a timestamp and a seed per
/// input. Two drivers given the same calls produce the same contexts, like the two replicas of a VM.
/// </summary>
internal sealed class SqlGuestDriver(SqlGuest guest, long startMs = SqlGuestDriver.DefaultStartMs) : IDisposable
{
    /// <summary>2001-09-09T01:46:40Z: far from any wall clock the tests run at.</summary>
    public const long DefaultStartMs = 1_000_000_000_000;

    public static readonly Guid A = new("aaaaaaaa-0000-0000-0000-000000000001");
    public static readonly Guid B = new("bbbbbbbb-0000-0000-0000-000000000002");
    public static readonly Guid C = new("cccccccc-0000-0000-0000-000000000003");

    public SqlGuest Guest { get; } = guest;

    public long Index { get; set; }

    public long NowMs { get; set; } = startMs;

    /// <summary>Seed of the next input; by default derived from the index.</summary>
    public ulong? NextSeed { get; set; }

    public byte[] LastOutput { get; private set; } = [];

    public SqlGuestDriver(SqlGuestOptions? options = null, long startMs = DefaultStartMs)
        : this(new SqlGuest(options ?? SqlGuestOptions.Default), startMs)
    {
    }

    public InputContext NextContext(Guid session)
    {
        Index++;
        var seed = NextSeed ?? (ulong)Index * 0x9E3779B97F4A7C15UL;
        NextSeed = null;
        return new InputContext(Index, NowMs, seed, session);
    }

    public byte[] ApplyRaw(Guid session, byte[] command)
    {
        LastOutput = Guest.Apply(command, NextContext(session));
        return LastOutput;
    }

    public SqlResult Run(Guid session, string sql, params SqlValue[] parameters) =>
        SqlResult.Decode(ApplyRaw(session, SqlCommand.Execute(sql, parameters).Encode()));

    public SqlResult Run(string sql, params SqlValue[] parameters) => Run(A, sql, parameters);

    public SqlResult Ok(Guid session, string sql, params SqlValue[] parameters)
    {
        var result = Run(session, sql, parameters);
        Assert.True(result.IsOk, $"{sql}: {result}");
        return result;
    }

    public SqlResult Ok(string sql, params SqlValue[] parameters) => Ok(A, sql, parameters);

    /// <summary>Runs <paramref name="statements"/> as one Script input of <paramref name="session"/>.</summary>
    public SqlScriptResult Script(Guid session, params string[] statements) =>
        SqlScriptResult.Decode(ApplyRaw(session, SqlCommand.Script(statements.Select(s => SqlCommand.Execute(s))).Encode()));

    public SqlResult Close(Guid session) => SqlResult.Decode(ApplyRaw(session, SqlCommand.Close().Encode()));

    public SqlValue Scalar(string sql, params SqlValue[] parameters)
    {
        var result = Ok(sql, parameters);
        return Assert.Single(Assert.Single(result.Rows));
    }

    /// <summary>Continues from <paramref name="other"/>'s position (after restoring its snapshot): same next index and time.</summary>
    public void FollowOn(SqlGuestDriver other)
    {
        Index = other.Index;
        NowMs = other.NowMs;
    }

    public void Dispose() => Guest.Dispose();
}
