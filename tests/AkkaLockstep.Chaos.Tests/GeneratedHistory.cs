using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Chaos.Tests;

/// <summary>
/// Random histories that are linearizable by construction: ops run one at a time on the real kv guest at
/// increasing linearization points (10 ms apart), and each recorded interval is stretched randomly around its
/// point. Clients take turns, and stretches stay under half a turn, so a client never has two ops outstanding.
/// Some ops lose their answer (Unknown, but took effect) and some are Unknown ops that never ran at all.
/// Values come from a tiny set, so reads are ambiguous and the search has real choices to make, or are unique
/// per write, as a chaos client writes them.
/// </summary>
internal static class GeneratedHistory
{
    private const int Spacing = 10;

    private static readonly byte[][] FewValues = [[(byte)'a'], [(byte)'b'], [(byte)'c'], [(byte)'d']];

    public static List<HistoryOp> Generate(Random random, int count, int keys, int clients, double unknownRate, bool uniqueValues = false)
    {
        var written = new List<byte[]>(FewValues);
        var guest = new KvGuest();
        var ops = new List<HistoryOp>(count);
        var maxStretch = Spacing * clients / 2 - 1;
        for (var i = 0; i < count; i++)
        {
            var point = Spacing * (i + 1L);
            var client = i % clients;
            var key = "k" + random.Next(keys);
            var value = uniqueValues ? HistoryBuilder.V($"v{i}") : FewValues[random.Next(FewValues.Length)];
            var command = RandomCommand(random, guest, key, value, written);
            if (uniqueValues) written.Add(value);
            var invoked = point - random.Next(maxStretch + 1);
            var completed = point + random.Next(maxStretch + 1);
            var roll = random.NextDouble();
            if (roll < unknownRate / 2)
            {
                ops.Add(Op(client, i, command, invoked, null, OpOutcome.Unknown, null));
                continue;
            }
            var result = KvResult.Decode(guest.Apply(command.Encode(), new InputContext(i, point, 0, Guid.Empty)));
            var outcome = roll < unknownRate ? OpOutcome.Unknown : Outcome(result.Status);
            var output = command.Op == KvOp.Get && outcome == OpOutcome.Ok ? result.Value ?? [] : null;
            ops.Add(Op(client, i, command, invoked, outcome == OpOutcome.Unknown ? null : completed, outcome, output));
        }
        return ops;
    }

    private static KvCommand RandomCommand(Random random, KvGuest guest, string key, byte[] value, List<byte[]> written)
    {
        return random.Next(100) switch
        {
            < 35 => KvCommand.Get(key),
            < 65 => KvCommand.Put(key, value),
            < 80 => KvCommand.Delete(key),
            // Half the CAS ops expect the current value, so many of them succeed.
            _ => KvCommand.Cas(key, random.Next(2) == 0 ? guest.Entries.GetValueOrDefault(key) : RandomExpected(random, written), value),
        };
    }

    private static byte[]? RandomExpected(Random random, List<byte[]> written) =>
        random.Next(written.Count + 1) is var i && i < written.Count ? written[i] : null;

    private static OpOutcome Outcome(KvStatus status) => status switch
    {
        KvStatus.Ok => OpOutcome.Ok,
        KvStatus.NotFound => OpOutcome.NotFound,
        KvStatus.CasFailed => OpOutcome.CasFailed,
        _ => throw new InvalidOperationException($"kv guest answered {status}"),
    };

    private static HistoryOp Op(int client, long id, KvCommand command, long invoked, long? completed, OpOutcome outcome, byte[]? output)
    {
        var kind = command.Op switch
        {
            KvOp.Get => KvOpKind.Get,
            KvOp.Put => KvOpKind.Put,
            KvOp.Delete => KvOpKind.Delete,
            _ => KvOpKind.Cas,
        };
        var answered = outcome != OpOutcome.Unknown;
        return new HistoryOp(client, id, kind, command.Key, command.Value, command.Expected, invoked, completed, outcome, output,
            answered ? 1 : 0, answered ? "h1" : null);
    }
}
