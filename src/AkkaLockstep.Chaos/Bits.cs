namespace AkkaLockstep.Chaos;

/// <summary>Fixed-size bit sets over ulong words, for the sets of ops the searches memoize.</summary>
internal static class Bits
{
    public static ulong[] Create(int bits) => new ulong[(bits + 63) / 64];

    public static bool Has(ulong[] set, int bit) => (set[bit >> 6] & (1UL << bit)) != 0;

    public static void Set(ulong[] set, int bit) => set[bit >> 6] |= 1UL << bit;

    public static void Clear(ulong[] set, int bit) => set[bit >> 6] &= ~(1UL << bit);

    public static bool IsSubset(ulong[] subset, ulong[] set)
    {
        for (var i = 0; i < subset.Length; i++)
            if ((subset[i] & ~set[i]) != 0) return false;
        return true;
    }

    /// <summary>Whether subset ⊆ set ∪ {bit}, without building the union.</summary>
    public static bool IsSubsetWith(ulong[] subset, ulong[] set, int bit)
    {
        for (var i = 0; i < subset.Length; i++)
            if ((subset[i] & ~(set[i] | (i == bit >> 6 ? 1UL << bit : 0))) != 0) return false;
        return true;
    }

    /// <summary>Whether set ∪ {bit} = other, without building the union.</summary>
    public static bool EqualsWith(ulong[] set, int bit, ulong[] other)
    {
        for (var i = 0; i < set.Length; i++)
            if ((set[i] | (i == bit >> 6 ? 1UL << bit : 0)) != other[i]) return false;
        return true;
    }
}
