namespace AkkaLockstep.Chaos;

/// <summary>A fixed random key per set member, so a set's hash is the XOR of its members' keys and updates in O(1).</summary>
internal static class SetHash
{
    // SplitMix64: a well-mixed, deterministic key per index.
    public static ulong Key(int member)
    {
        var x = (ulong)member + 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
