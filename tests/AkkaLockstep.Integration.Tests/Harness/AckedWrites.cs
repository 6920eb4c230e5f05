using AkkaLockstep.Guests.Kv;

namespace AkkaLockstep.Integration.Tests.Harness;

public static class AckedWrites
{
    /// <summary>Fails the test if any acknowledged write is missing from, or different in, a replica's kv snapshot.</summary>
    public static void AssertAllPresent(IReadOnlyDictionary<string, byte[]> acked, byte[] replicaSnapshot)
    {
        var state = new KvGuest();
        state.Restore(replicaSnapshot);
        var lost = acked.Where(kv => !state.Entries.TryGetValue(kv.Key, out var v) || !v.SequenceEqual(kv.Value)).Select(kv => kv.Key).ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} of {acked.Count} acknowledged writes lost, e.g. {string.Join(", ", lost.Take(5))}");
    }
}
