using System.Text;

namespace AkkaLockstep.Chaos.Tests;

/// <summary>
/// Hand-written histories. Values are short strings; a null completion time makes an op Unknown (no epoch or
/// host). A get of null expects NotFound.
/// </summary>
internal sealed class HistoryBuilder
{
    private readonly List<HistoryOp> _ops = [];

    public IReadOnlyList<HistoryOp> Ops => _ops;

    public static byte[] V(string text) => Encoding.UTF8.GetBytes(text);

    public HistoryBuilder Put(int client, string key, string value, long invoked, long? completed, long epoch = 1, string host = "h1") =>
        Add(client, KvOpKind.Put, key, V(value), null, invoked, completed, OpOutcome.Ok, null, epoch, host);

    public HistoryBuilder Get(int client, string key, string? value, long invoked, long? completed, long epoch = 1, string host = "h1") =>
        Add(client, KvOpKind.Get, key, null, null, invoked, completed, value is null ? OpOutcome.NotFound : OpOutcome.Ok,
            value is null ? null : V(value), epoch, host);

    public HistoryBuilder Delete(int client, string key, bool found, long invoked, long? completed) =>
        Add(client, KvOpKind.Delete, key, null, null, invoked, completed, found ? OpOutcome.Ok : OpOutcome.NotFound, null, 1, "h1");

    public HistoryBuilder Cas(int client, string key, string? expected, string value, bool set, long invoked, long? completed) =>
        Add(client, KvOpKind.Cas, key, V(value), expected is null ? null : V(expected), invoked, completed,
            set ? OpOutcome.Ok : OpOutcome.CasFailed, null, 1, "h1");

    public HistoryBuilder Add(HistoryOp op)
    {
        _ops.Add(op);
        return this;
    }

    private HistoryBuilder Add(int client, KvOpKind kind, string key, byte[]? value, byte[]? expected, long invoked, long? completed,
        OpOutcome outcome, byte[]? output, long epoch, string host) =>
        Add(completed is null
            ? new HistoryOp(client, _ops.Count, kind, key, value, expected, invoked, null, OpOutcome.Unknown, null, 0, null)
            : new HistoryOp(client, _ops.Count, kind, key, value, expected, invoked, completed, outcome, output, epoch, host));
}
