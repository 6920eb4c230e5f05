using System.Buffers.Binary;
using AkkaLockstep.Guests.Kv;

namespace AkkaLockstep.Cli.Workload;

/// <summary>What a replica's state says about a finished <see cref="KvStream"/>.</summary>
public sealed record KvVerification(long Lost, long Duplicated, IReadOnlyList<string> Examples)
{
    public static KvVerification Check(KvStream stream, KvGuest replica)
    {
        long lost = 0, duplicated = stream.CasMismatches;
        var examples = new List<string>();
        foreach (var (key, value) in stream.AckedValues)
        {
            if (replica.Entries.TryGetValue(key, out var stored) && stored.AsSpan().SequenceEqual(value)) continue;
            lost++;
            if (examples.Count < 5) examples.Add($"lost write {key}");
        }
        foreach (var (key, acked) in stream.AckedCounters)
        {
            var stored = replica.Entries.TryGetValue(key, out var bytes) ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
            // A bump that failed without an answer may have been applied once, never twice.
            var allowed = stream.UncertainCounters.ContainsKey(key) ? acked + 1 : acked;
            if (stored < acked)
            {
                lost += acked - stored;
                if (examples.Count < 5) examples.Add($"counter {key} at {stored}, {acked} bumps acknowledged");
            }
            else if (stored > allowed)
            {
                duplicated += stored - allowed;
                if (examples.Count < 5) examples.Add($"counter {key} at {stored}, only {acked} bumps acknowledged");
            }
        }
        if (stream.CasMismatches > 0) examples.Add($"{stream.CasMismatches} compare-and-set(s) found their own earlier bump applied twice");
        return new KvVerification(lost, duplicated, examples);
    }
}
