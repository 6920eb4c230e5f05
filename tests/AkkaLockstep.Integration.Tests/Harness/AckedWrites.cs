using System.Collections.Concurrent;
using AkkaLockstep.Client;
using AkkaLockstep.Guests.Kv;

namespace AkkaLockstep.Integration.Tests.Harness;

public static class AckedWrites
{
    /// <summary>
    /// Writes keys PREFIX0..PREFIX(count-1) one at a time through one session (each its own batch, so journal rows
    /// count inputs) and records each once it is acknowledged. Values are the key's number, or <paramref name="value"/>'s.
    /// </summary>
    public static async Task WriteOneAtATimeAsync(LockstepClient client, string vm, string prefix, int count,
        ConcurrentDictionary<string, byte[]> acked, Func<int, byte[]>? value = null)
    {
        var session = client.OpenKvSession(vm);
        for (var i = 0; i < count; i++)
        {
            var key = $"{prefix}{i}";
            var bytes = value?.Invoke(i) ?? BitConverter.GetBytes(i);
            await session.PutAsync(key, bytes);
            acked[key] = bytes;
        }
    }

    /// <summary>Fails the test if any acknowledged write is missing from, or different in, a replica's kv snapshot.</summary>
    public static void AssertAllPresent(IReadOnlyDictionary<string, byte[]> acked, byte[] replicaSnapshot)
    {
        var state = new KvGuest();
        state.Restore(replicaSnapshot);
        var lost = acked.Where(kv => !state.Entries.TryGetValue(kv.Key, out var v) || !v.SequenceEqual(kv.Value)).Select(kv => kv.Key).ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} of {acked.Count} acknowledged writes lost, e.g. {string.Join(", ", lost.Take(5))}");
    }
}
